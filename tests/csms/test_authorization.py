"""Authorization as the spec means it: expiry and parent in the answer, ConcurrentTx, 2.x
token types, on real stations of each version."""

from __future__ import annotations

import time

import pytest
from ocpp.v16 import call

from ocppdeck.core.clock import to_iso
from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.engine import Engine
from tests.helpers.command_stations import station16, station201
from tests.helpers.engine import own_engine, wait_for

EXPIRY = "2030-01-31T00:00:00.000Z"


def tags(engine: Engine) -> None:
    engine.store.put_id_tags(
        [
            IdTag("FLEET"),
            IdTag("DRIVER-1", parent="FLEET", expiry=EXPIRY),
            IdTag("CARD-9", token_type="ISO14443"),
        ]
    )


@pytest.mark.timeout(20)
async def test_1_6_answers_carry_expiry_and_parent_and_a_second_start_is_concurrent(
    tmp_path: object,
) -> None:
    async with own_engine(tmp_path, accept_unknown_tags=False) as engine:  # type: ignore[arg-type]
        tags(engine)
        async with station16(engine, "CP1") as cp:
            answer = await cp.call(call.Authorize(id_tag="DRIVER-1"))
            assert answer.id_tag_info == {
                "status": "Accepted",
                "expiry_date": EXPIRY,
                "parent_id_tag": "FLEET",
            }
            now = to_iso(time.time())
            first = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag="DRIVER-1", meter_start=0, timestamp=now
                )
            )
            assert first.id_tag_info["status"] == "Accepted"
            await wait_for(lambda: engine.state.open_transaction_on("CP1", 1) is not None)
            # Authorize is about the tag; only a start knows it is already charging.
            assert (await cp.call(call.Authorize(id_tag="DRIVER-1"))).id_tag_info["status"] == (
                "Accepted"
            )
            second = await cp.call(
                call.StartTransaction(
                    connector_id=2, id_tag="DRIVER-1", meter_start=0, timestamp=now
                )
            )
            assert second.id_tag_info["status"] == "ConcurrentTx"
            unknown = await cp.call(call.Authorize(id_tag="NOBODY"))
            assert unknown.id_tag_info == {"status": "Invalid"}


@pytest.mark.timeout(20)
async def test_concurrent_transactions_may_be_allowed(tmp_path: object) -> None:
    async with own_engine(tmp_path, concurrent_tx=True) as engine:  # type: ignore[arg-type]
        tags(engine)
        async with station16(engine, "CP1") as cp:
            now = to_iso(time.time())
            for connector in (1, 2):
                started = await cp.call(
                    call.StartTransaction(
                        connector_id=connector, id_tag="FLEET", meter_start=0, timestamp=now
                    )
                )
                assert started.id_tag_info["status"] == "Accepted"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp2.1"])
async def test_2x_answers_carry_group_and_cache_expiry_and_check_the_type(
    tmp_path: object, protocol: str
) -> None:
    async with own_engine(tmp_path, accept_unknown_tags=False) as engine:  # type: ignore[arg-type]
        tags(engine)
        async with station201(engine, "CS1", protocol=protocol) as cp:
            calls = cp.lib.call

            async def authorize(token: str, kind: str) -> dict[str, object]:
                answer = await cp.call(calls.Authorize(id_token={"id_token": token, "type": kind}))
                return answer.id_token_info  # type: ignore[no-any-return]

            assert await authorize("DRIVER-1", "ISO14443") == {
                "status": "Accepted",
                "cache_expiry_date_time": EXPIRY,
                "group_id_token": {"id_token": "FLEET", "type": "Central"},
            }
            assert (await authorize("CARD-9", "ISO14443"))["status"] == "Accepted"
            assert (await authorize("CARD-9", "KeyCode"))["status"] == "Invalid"  # another type
            long_token = "E" * 36  # 2.x tokens are up to 36 characters
            engine.store.put_id_tag(IdTag(long_token))
            assert (await authorize(long_token, "eMAID"))["status"] == "Accepted"
