"""Hand-solvable money scenarios on the tiny serving case (``support.serving_cases``).

One region r1 on node A (AU); site ``near`` on A (cost_factor 1.4), ``far`` on B
(NZ, 100 ms away, cost_factor 1.0); GPU G: capex 100, 1 kW; deployment d1 of
model m8 at 1 GPU per replica: 500 tokens/s at c = 10 (TTFT p50 400 ms),
100 tokens/s at c = 1 (100 ms). Tier t's TTFT target is ``ttft_ms``.

``energy.csv`` prices 0.1 a kWh on both grids, AU at 550 and NZ at 110 gCO2e/kWh.
"""

from __future__ import annotations

from pathlib import Path

from support.serving_cases import TOML, write_serving

ENERGY = "country,price_kwh,grid_gco2_kwh\nAU,0.1,550\nNZ,0.1,110\n"


def write_money(
    folder: Path,
    *,
    ttft_ms: float = 1000.0,
    money: str = "",
    objective: str = "cost",
    contracts: str | None = None,
    ondemand: str | None = None,
    demand: float = 1000.0,
    **replace: str,
) -> Path:
    """Write the scenario with a ``[money]`` section (``money``: extra keys in it)."""
    files = {"energy.csv": ENERGY, **replace}
    files["demand.csv"] = f"region,model,tier,output_tokens_per_s\nr1,m8,t,{demand:g}\n"
    path = write_serving(folder, ttft_ms=ttft_ms, **files)
    text = TOML + '\n[money]\nenergy = "energy.csv"\nlifetime_years = 4\n' + money + "\n"
    if contracts is not None:
        (folder / "contracts.csv").write_text(contracts, encoding="utf-8")
        text += '[contracts]\nfile = "contracts.csv"\n'
    if ondemand is not None:
        (folder / "ondemand.csv").write_text(ondemand, encoding="utf-8")
        text += '[ondemand]\nfile = "ondemand.csv"\n'
    text += f'[objective]\nkind = "{objective}"\n'
    path.write_text(text, encoding="utf-8")
    return path
