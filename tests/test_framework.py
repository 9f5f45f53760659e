"""Frameworks are data: the shipped files load; broken ones are refused with a Chinese message."""
import copy

import pytest
import yaml

from core.framework.model import FRAMEWORK_DIR, FrameworkError, available_frameworks, parse_framework


def test_both_shipped_frameworks_load_with_their_weights():
    fws = available_frameworks()
    four = fws["gz-2024-four-party"]
    assert [(p.label, p.weight) for p in four.parties] == [("第三方评估机构", 55), ("购买方", 20), ("督导中心", 15), ("监督方", 10)]
    assert [s.name for s in four.sections] == ["项目管理", "服务质量", "服务监测", "服务成效"]
    assert four.section("B").scope == "area"
    city = fws["gz-2019-city"]
    assert [p.weight for p in city.parties] == [700, 200, 100]
    assert [v.name for v in city.veto] == ["财务评估"]
    for fw in fws.values():
        assert fw.total_points == 100


def _default():
    return yaml.safe_load((FRAMEWORK_DIR / "gz-2024-four-party.yaml").read_text(encoding="utf-8"))


def _break(path, value):
    def mutate(d):
        target = d
        for p in path[:-1]:
            target = target[p]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return mutate


@pytest.mark.parametrize("mutate,message", [
    (_break(["sections", 0, "indicators", 1, "points"], 4), "各指标分值之和"),
    (_break(["sections", 0, "indicators", 1, "code"], "A1"), "代码重复：A1"),
    (_break(["sections", 0, "indicators", 0, "rule", "criteria", 0, "points"], 9), "组合分各项之和"),
    (_break(["sections", 0, "indicators", 0, "name"], KeyError), "缺少字段“name”"),
    (_break(["sections", 0, "indicators", 0, "points"], "五"), "应为数字"),
    (_break(["sections", 0, "scope"], "somewhere"), "scope"),
    (_break(["parties", 0, "computed"], False), "third_party"),
    (_break(["sections", 0, "indicators", 1, "rule", "type"], "magic"), "未知评分方式"),
    (_break(["sections", 3, "points"], 30), "部分分值"),
])
def test_invalid_framework_is_refused_with_a_clear_message(mutate, message):
    data = copy.deepcopy(_default())
    mutate(data)
    with pytest.raises(FrameworkError, match=message):
        parse_framework(data)
