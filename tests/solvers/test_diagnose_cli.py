"""``gpuplace solve`` on a scenario whose budget is too small: exit 1 and the quantified reason.

Chain A - B - C on the equator; sites s1@A (fixed 1,000), s2@C (800), s4@B (700);
regions r1 (demand 10) near A and r2 (demand 5) near C. GPUs: H100 (capex 100,
throughput 10), L40S (capex 40, throughput 3). The cheapest plan opens s4 with one
H100 and two L40S (throughput 16 >= 15): 700 + 100 + 80 = 880.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gpuplace.cli import app

NODES = [
    {"id": "A", "lat": 0.0, "lon": 0.0, "country": "AU"},
    {"id": "B", "lat": 0.0, "lon": 1.0, "country": "AU"},
    {"id": "C", "lat": 0.0, "lon": 2.0, "country": "NZ"},
]
LINKS = [
    {"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 100},
    {"source": "B", "target": "C", "latency_ms": 1.0, "capacity_gbps": 100},
]
FILES = {
    "sites.csv": "id,node,power_kw,max_gpus,fixed_cost\ns1,A,100,50,1000\ns2,C,100,50,800\n"
    "s4,B,100,50,700\n",
    "regions.csv": "id,lat,lon,demand,sla_rtt_ms,allowed_countries,gbps_per_unit\n"
    "r1,0.1,0.0,10,50,,1\nr2,0.1,2.0,5,50,,1\n",
    "gpus.csv": "type,capex,power_kw,throughput\nH100,100,1.0,10\nL40S,40,0.5,3\n",
    "scenario.toml": 'name = "diag-tiny"\n[topology]\nfile = "topology.json"\n'
    '[sites]\nfile = "sites.csv"\n[regions]\nfile = "regions.csv"\n[gpus]\nfile = "gpus.csv"\n'
    '[constraints]\nbudget = 850\n[solver]\nname = "highs"\ntime_limit_s = 10\ngap = 0.0\n'
    "threads = 1\n",
}


def write_scenario(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "topology.json").write_text(json.dumps({"nodes": NODES, "links": LINKS}))
    for name, text in FILES.items():
        (folder / name).write_text(text)
    return folder / "scenario.toml"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cheapest_plan_is_880(tmp_path):
    result = run(
        "solve", write_scenario(tmp_path), "--set", "constraints.budget=1e9", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kpis"]["total_cost"] == 880


def test_too_small_budget_exits_1_with_the_shortfall(tmp_path):
    scenario = write_scenario(tmp_path)
    result = run("solve", scenario)
    assert result.exit_code == 1, result.output
    text = " ".join(result.stdout.split())
    assert "no plan: infeasible" in text
    assert "budget 850 is below the cost of every plan that meets the other constraints" in text
    assert "the cheapest costs 880; raise the budget by 30, to 880" in text


def test_too_small_budget_in_json_diagnosis(tmp_path):
    out = tmp_path / "plan.json"
    result = run("solve", write_scenario(tmp_path), "-o", out, "--format", "json")
    assert result.exit_code == 1
    assert not out.exists()
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible"
    assert any(line.startswith("budget 850 ") and "by 30" in line for line in plan["diagnosis"])
