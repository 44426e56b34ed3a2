"""Scenario results as JUnit XML for CI: one testsuite per scenario, one testcase per
step; a failure carries its message and the step's frames. A skipped scenario is one
skipped testcase that says why."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from .results import ScenarioResult, compact

# XML 1.0 has no place for most control characters; a station's text may hold any.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(results: Sequence[ScenarioResult]) -> ET.ElementTree:
    """The XML tree of `results`."""
    root = ET.Element(
        "testsuites",
        tests=str(sum(_cases(r) for r in results)),
        failures=str(sum(r.failures for r in results)),
        skipped=str(sum(r.skipped is not None for r in results)),
    )
    for result in results:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=result.name,
            file=str(result.path),
            tests=str(_cases(result)),
            failures=str(result.failures),
            errors="0",
            skipped=str(int(result.skipped is not None)),
            time=f"{result.seconds:.3f}",
        )
        if result.skipped is not None:
            case = ET.SubElement(suite, "testcase", name=result.name, classname=result.name)
            ET.SubElement(case, "skipped", message=result.skipped)
        for step in result.steps:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{step.step.label} [{step.step.station}]",
                classname=result.name,
                time=f"{step.seconds:.3f}",
            )
            if not step.passed:
                failure = ET.SubElement(case, "failure", message=_xml_text(step.message))
                failure.text = _xml_text("\n".join(compact(f) for f in step.frames))
    return ET.ElementTree(root)


def _cases(result: ScenarioResult) -> int:
    return 1 if result.skipped is not None else len(result.steps)


def write_junit(results: Sequence[ScenarioResult], path: Path) -> None:
    """Write `results` as JUnit XML to `path`."""
    tree = junit_xml(results)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
