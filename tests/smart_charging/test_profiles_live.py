"""Smart charging end to end: the console's engine sets, asks about and clears profiles on a
simulated station over loopback websockets, in 1.6 and 2.0.1.

A TxDefaultProfile of two periods caps the power the station's meter reports, first at
the first period's limit and then at the second's; GetCompositeSchedule answers both
periods; clearing the profile gives the connector its rated power back. The projection
knows the limit from the call and its Accepted answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.csms.builders.charging_profile import ProfilePlan, parse_periods
from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.outbound_queue import Outcome, QueuedCall
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.model.charging import CompositeReported, ProfileSet, limits_at
from ocppdeck.core.model.charging_schedule import PHASES, VOLTS, Purpose
from ocppdeck.core.model.state import Topic
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.simulated import powers, simulated

BOTH = [V16.name, V201.name]
# The simulator runs 100 times faster than its clock: the second period (at 300 s of the
# schedule) comes a few seconds into the test.
TWO_PERIODS = "0:6, 300:10"
FIRST, SECOND = 6 * VOLTS * PHASES, 10 * VOLTS * PHASES  # 4140 W, 6900 W


async def answer(queued: QueuedCall) -> Outcome:
    return await queued.future


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", BOTH)
async def test_power_follows_a_two_period_default_profile_until_it_is_cleared(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid, commands = station.spec.station_id, engine.commands
        connector = station.connectors[1]
        assert connector.rated_power_w > SECOND
        plan = ProfilePlan(
            0, 1, Purpose.TX_DEFAULT, 0, "A", parse_periods(TWO_PERIODS), commands.timestamp()
        )
        assert (await answer(commands.charging_profile(sid, plan))).status == "Accepted"

        # The station tells the schedule it will keep: both periods, in the unit asked for,
        # and the projection reads it from the answer.
        composite = await answer(commands.composite_schedule(sid, 1, 3600, "A"))
        assert composite.status == "Accepted"
        state = engine.state.stations[sid]
        [told] = [e for e in state.charging if isinstance(e, CompositeReported)]
        assert (told.evse, told.schedule.unit) == (1, "A")
        assert [p.limit for p in told.schedule.periods] == [6.0, 10.0]
        assert told.schedule.periods[0].start == 0 and 290 <= told.schedule.periods[1].start <= 300

        # The meter follows the schedule: the first period's cap, then the second's.
        assert (await answer(commands.remote_start(sid, 1, "TAG-0001"))).status == "Accepted"
        await wait_for(lambda: FIRST in powers(engine, sid), timeout=15)
        await wait_for(lambda: powers(engine, sid)[-1] == SECOND, timeout=15)
        assert max(powers(engine, sid)) == SECOND

        # The projection holds the profile the station accepted, with its limit now.
        [profile] = [e for e in state.charging if isinstance(e, ProfileSet)]
        assert (profile.evse, profile.purpose) == (1, Purpose.TX_DEFAULT)
        assert limits_at(state.charging, 1, profile.at).lowest() == FIRST

        # Cleared: the connector draws its rated power again, and no limit is in force.
        cleared = commands.clear_profiles(sid, evse=1, purpose=Purpose.TX_DEFAULT)
        assert (await answer(cleared)).status == "Accepted"
        await wait_for(lambda: powers(engine, sid)[-1] == connector.rated_power_w, timeout=15)
        assert limits_at(state.charging, 1, engine.clock.now() + 3600).lowest() is None


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", BOTH)
async def test_a_profile_the_version_refuses_is_not_sent_and_says_which_field(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid, commands = station.spec.station_id, engine.commands
        # 1.6 limits are multiples of 0.1; a TxProfile needs a transaction to name in 1.6.
        plan = ProfilePlan(
            0, 1, Purpose.TX_DEFAULT, 0, "A", parse_periods("0:7.25"), commands.timestamp()
        )
        problems = commands.profile_problems(sid, plan)
        if protocol == V16.name:
            assert [p.path for p in problems] == [
                "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"
            ]
            with pytest.raises(CommandUnavailable, match=r"chargingSchedulePeriod\[0\]\.limit"):
                commands.charging_profile(sid, plan)
        else:
            assert problems == []
        with pytest.raises(CommandUnavailable, match="EVSE 0"):
            commands.charging_profile(
                sid, ProfilePlan(0, 1, Purpose.STATION_MAX, 0, "W", plan.periods, plan.start)
            )


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", BOTH)
async def test_the_profiles_a_station_holds_are_reported_on_their_evse(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid, commands = station.spec.station_id, engine.commands
        if protocol == V16.name:
            with pytest.raises(CommandUnavailable, match="no GetChargingProfiles"):
                commands.charging_profiles(sid, None)
            return
        assert (await answer(commands.charging_profiles(sid, None))).status == "NoProfiles"
        periods = parse_periods(TWO_PERIODS)
        plan = ProfilePlan(41, 2, Purpose.TX_DEFAULT, 3, "A", periods, commands.timestamp())
        assert (await answer(commands.charging_profile(sid, plan))).status == "Accepted"

        assert (await answer(commands.charging_profiles(sid, None))).status == "Accepted"
        state = engine.state.stations[sid]
        await wait_for(lambda: state.latest(Topic.PROFILE, 2) is not None)
        notice = state.latest(Topic.PROFILE, 2)
        assert notice is not None
        assert (notice.subject, notice.status) == ("41", "TxDefaultProfile")
        assert "stack level 3" in notice.detail and "2 periods" in notice.detail
