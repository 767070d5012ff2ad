"""Loading the valid base scenario: values, defaults, relative paths."""

import numpy as np
import pytest

from gpuplace.scenario import InputError, SiteStatus, load_instance


def test_base_scenario_loads_with_its_values(files):
    inst = load_instance(files.toml)
    assert inst.name == "euro-mini"
    assert inst.site_ids == ("par1", "fra1", "ams1")
    assert inst.region_ids == (
        "ile-de-france",
        "rhein-main",
        "randstad",
        "greater-london",
        "madrid",
    )
    assert inst.gpu_types == ("H100", "L40S")
    np.testing.assert_array_equal(inst.site_power_kw, [800, 1200, 600])
    np.testing.assert_array_equal(inst.site_max_gpus, [512, 1024, np.inf])
    np.testing.assert_array_equal(inst.site_pue, [1.3, 1.2, 1.25])
    np.testing.assert_array_equal(inst.gpu_capex, [30000, 9000])
    np.testing.assert_array_equal(inst.region_demand, [120, 80, 90, 150, 60])
    assert inst.warnings == ()
    assert len(inst.sha256) == 64


def test_site_country_defaults_to_the_node_country(files):
    inst = load_instance(files.toml)
    assert inst.site_country == ("FR", "DE", "NL")


def test_site_country_column_absent_uses_node_countries(files):
    files.drop_column("sites.csv", "country")
    assert load_instance(files.toml).site_country == ("FR", "DE", "NL")


def test_status_and_existing_gpus_matrix(files):
    inst = load_instance(files.toml)
    assert list(inst.site_status) == [SiteStatus.CANDIDATE, SiteStatus.OPEN, SiteStatus.CANDIDATE]
    np.testing.assert_array_equal(inst.site_existing_gpus, [[0, 0], [16, 0], [0, 0]])
    files.add_column("sites.csv", "existing_L40S", "2")
    np.testing.assert_array_equal(
        load_instance(files.toml).site_existing_gpus, [[0, 2], [16, 2], [0, 2]]
    )


def test_region_gbps_column_overrides_section_default(files):
    inst = load_instance(files.toml)
    np.testing.assert_allclose(inst.region_gbps_per_unit, [0.01, 0.02, 0.01, 0.01, 0.01])


def test_region_attach_node_given_or_nearest(files):
    inst = load_instance(files.toml)
    node = inst.topology.node_index()
    assert inst.region_node[0] == node["Paris"]
    assert inst.region_node[1] == node["Frankfurt"]
    assert list(inst.region_node_given) == [False, True, False, False, True]


def test_allowed_countries_parsed(files):
    inst = load_instance(files.toml)
    assert inst.region_allowed_countries[0] == frozenset({"FR", "DE", "NL"})
    assert inst.region_allowed_countries[1] is None


def test_settings_sections_reach_the_instance(files):
    inst = load_instance(files.toml)
    assert inst.constraints.budget == 5.0e6
    assert inst.constraints.max_utilisation == 0.9
    assert inst.latency.per_hop_ms == 0.1
    assert inst.solver.time_limit_s == 30.0
    (custom,) = inst.constraints.custom
    assert custom.kind == "max_gpus_in_country"
    assert custom.params == {"country": "FR", "limit": 64}
    assert custom.where == "constraints.custom[0]"


def test_matrix_replaces_derived_rtt(files):
    inst = load_instance(files.toml)
    london, par1 = inst.region_ids.index("greater-london"), inst.site_ids.index("par1")
    pick = (inst.pair_region == london) & (inst.pair_site == par1)
    assert inst.pair_rtt_ms[pick].tolist() == [5.1]


def test_matrix_only_drops_pairs_missing_from_the_matrix(files):
    files.set_key("latency.matrix_only", True)
    inst = load_instance(files.toml)
    assert inst.n_pairs == 1


def test_tables_resolve_relative_to_the_toml_folder(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (files.folder / "tables").mkdir()
    files.path("sites.csv").rename(files.folder / "tables" / "sites.csv")
    files.set_key("sites.file", "tables/sites.csv")
    assert load_instance(files.toml).n_sites == 3


def test_sla_limits_pairs(files):
    files.set_cell("regions.csv", 5, "sla_rtt_ms", "5")
    inst = load_instance(files.toml)
    madrid = inst.region_ids.index("madrid")
    assert not np.any(inst.pair_region == madrid)


def test_several_problems_reported_together(files):
    files.set_cell("sites.csv", 1, "power_kw", "lots")
    files.set_cell("regions.csv", 2, "demand", "-4")
    files.set_cell("gpus.csv", 2, "throughput", "0")
    with pytest.raises(InputError) as caught:
        load_instance(files.toml)
    text = str(caught.value)
    assert len(caught.value.problems) == 3
    assert "sites.csv: row 1, column power_kw" in text
    assert "regions.csv: row 2, column demand" in text
    assert "gpus.csv: row 2, column throughput" in text
