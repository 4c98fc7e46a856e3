"""Roll-out gaps: a deputy akim acting for another sees both lists of curated departments; an
executor's /my says the items were passed to them; a removal waiting for consent counts among
the requests a late joiner finds waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import services
from bot.leaders import views
from bot.outbox_kinds import Kind, waiting_counts
from bot.staff.csv_import import parse_staff_csv
from handlers.callbacks import LeadAction, LeadCallback
from storage.domain.enums import Language
from tests.conftest import STAFF_CSV
from tests.fakes import make_callback, make_message
from tests.helpers import (
    World,
    alert,
    department,
    join,
    last_text,
    person,
    register_item,
    texts_to,
    today,
)

DEP1, DEP2, EXEC = 7301, 7302, 7303
EDU, FIN = "Отдел образования", "Отдел финансов"
WITH_DEP2 = STAFF_CSV + "dep2,Сергей Ли,Заместитель акима,,deputy_akim,ru,Отдел финансов\n"


async def test_a_deputy_acting_for_another_sees_both_curated_lists(world: World) -> None:
    repos = world.repos
    await repos.staff.import_staff(parse_staff_csv(WITH_DEP2, Language.KK), actor="test")
    await register_item(repos, world.profile, world.settings, "02-01/1", (EDU,))
    fin_item = await register_item(repos, world.profile, world.settings, "02-01/2", (FIN,))
    edu, fin = await department(repos, EDU), await department(repos, FIN)
    await join(world.dp, world.bot, repos, "dep1", DEP1, "kk")
    await join(world.dp, world.bot, repos, "dep2", DEP2, "ru")
    dep1, dep2 = await person(repos, "dep1"), await person(repos, "dep2")
    ctx = await services.make_context(repos, world.profile, world.settings)

    # before the substitution: each deputy sees only the departments they curate
    assert [d.id for d, _ in (await views.overview(ctx, dep1)).departments] == [edu.id]
    open_fin = LeadCallback(action=LeadAction.DEPARTMENT, id=fin.id).pack()
    await world.dp.feed_update(world.bot, make_callback(open_fin, user_id=DEP1))
    assert alert(world.bot)  # refused: not hers

    # dep2 is away today and dep1 acts for him: she sees finance too, and its items
    day = today(world.settings)
    await repos.staff.add_substitution(dep2, dep1, day, day, actor="admin")
    world.bot.clear()
    await world.dp.feed_update(world.bot, make_message("/overview", user_id=DEP1))
    screen = texts_to(world.bot, DEP1)[-1]
    assert EDU in screen and FIN in screen
    await world.dp.feed_update(world.bot, make_callback(open_fin, user_id=DEP1))
    assert "02-01/2" in last_text(world.bot)
    assert (await views.item(ctx, dep1, fin_item.id)).id == fin_item.id

    # the next day the substitution is over: finance is out of her view again
    tomorrow = await services.make_context(
        repos, world.profile, world.settings, datetime.now(UTC) + timedelta(days=1)
    )
    assert [d.id for d, _ in (await views.overview(tomorrow, dep1)).departments] == [edu.id]


async def test_an_executors_my_says_the_items_were_passed_to_them(world: World) -> None:
    repos = world.repos
    item = await register_item(repos, world.profile, world.settings, "02-01/3", (EDU,))
    executor = await person(repos, "edu_exec")
    await repos.executors.set_passes(
        item.id,
        item.executors[0].department_id,
        [executor.id],
        reg_number=item.reg_number,
        actor="edu_head",
        on_behalf_of=None,
        at=datetime.now(UTC),
    )
    await join(world.dp, world.bot, repos, "edu_exec", EXEC, "kk")
    world.bot.clear()
    await world.dp.feed_update(world.bot, make_message("/my", user_id=EXEC))
    screen = texts_to(world.bot, EXEC)[-1]
    assert screen.startswith("Маған берілген тапсырмалар: 1")
    assert "02-01/3" in screen


def test_a_removal_waiting_for_consent_is_a_request_waiting() -> None:
    assert waiting_counts({Kind.REMOVAL_ASKED.value: 1, Kind.CARD.value: 2}) == (2, 1, 3)
