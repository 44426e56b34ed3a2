"""Scenario results as JUnit XML for CI: one testsuite per scenario, one testcase per
step; a failure carries its message and the step's frames."""

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
        tests=str(sum(len(r.steps) for r in results)),
        failures=str(sum(r.failures for r in results)),
    )
    for result in results:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=result.name,
            file=str(result.path),
            tests=str(len(result.steps)),
            failures=str(result.failures),
            errors="0",
            time=f"{result.seconds:.3f}",
        )
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


def write_junit(results: Sequence[ScenarioResult], path: Path) -> None:
    """Write `results` as JUnit XML to `path`."""
    tree = junit_xml(results)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
