#!/usr/bin/env python3
"""Reference side of the small-LP tests and benchmark (run with Debian's /usr/bin/python3: scipy HiGHS).

    small_lp_ref.py linprog IN.json OUT.json
        IN: {"problems": [{"m","n","a" (row-major),"c","colLower","colUpper","rowLower","rowUpper"}]}
        (null bound = infinite). OUT: per problem {status, fun, x} from linprog(method="highs").
    small_lp_ref.py cvar SHARED_DIR OUT.json [--time] [--no-raw] [--cells mu,alpha;mu,alpha...|all]
        The 13 estimation windows of 2015 built by hppo_ref.py's own functions (returns R, S x n),
        and for the cells asked (default: a few) the reference's solve_var_model answer (weights after
        its clip/normalize, fallback flag, objective) plus the raw HiGHS x. --time: seconds per LP of
        solve_var_model (build + linprog, as the reference's lp timer) over those cells, best of 3
        (wall and CPU time).
    Several commands can run in one process, separated by "+".
"""
import json
import math
import sys
import time

import numpy as np
from scipy.optimize import linprog


def _num(v):
    return None if v is None or not math.isfinite(v) else float(v)


def cmd_linprog(inp, outp):
    with open(inp) as f:
        problems = json.load(f)["problems"]
    out = []
    for p in problems:
        m, n = p["m"], p["n"]
        A = np.array(p["a"], dtype=float).reshape(m, n) if m else np.zeros((0, n))
        rl = [(-math.inf if v is None else v) for v in p["rowLower"]]
        ru = [(math.inf if v is None else v) for v in p["rowUpper"]]
        A_ub, b_ub, A_eq, b_eq = [], [], [], []
        for i in range(m):
            if rl[i] == ru[i]:
                A_eq.append(A[i]); b_eq.append(ru[i])
                continue
            if math.isfinite(ru[i]):
                A_ub.append(A[i]); b_ub.append(ru[i])
            if math.isfinite(rl[i]):
                A_ub.append(-A[i]); b_ub.append(-rl[i])
        bounds = [(p["colLower"][j], p["colUpper"][j]) for j in range(n)]
        kw = dict(c=np.array(p["c"], dtype=float), bounds=bounds, method="highs")
        if A_ub:
            kw.update(A_ub=np.array(A_ub), b_ub=np.array(b_ub))
        if A_eq:
            kw.update(A_eq=np.array(A_eq), b_eq=np.array(b_eq))
        res = linprog(**kw)
        out.append(dict(status=int(res.status), fun=_num(res.fun) if res.status == 0 else None,
                        x=[float(v) for v in res.x] if res.status == 0 else None))
    with open(outp, "w") as f:
        json.dump({"results": out}, f)


def cmd_cvar(shared, outp, timed, cells_arg, no_raw=False):
    sys.path.insert(0, f"{shared}/reference")
    import hppo_ref as ref  # the reference's own functions: windows and model exactly as it builds them

    spec = ref.Spec()
    mkt = ref.load_market(f"{shared}/data", spec)
    T = len(mkt.bench_returns)
    days = list(range(mkt.first, mkt.first + T, spec.rebalance_every))
    if cells_arg == "all":
        cells = [(mu, a) for mu in ref.GRID for a in ref.GRID]
    elif cells_arg:
        cells = [tuple(float(v) for v in c.split(",")) for c in cells_arg.split(";")]
    else:
        cells = [(0.10, 0.10), (0.15, 0.13), (0.20, 0.20), (0.20, 0.11)]
    windows = []
    for t in days:
        cols, R = ref.estimation_window(mkt, t, spec)
        w = dict(date=str(mkt.dates[t])[:10], cols=[int(c) for c in cols], S=int(R.shape[0]), n=int(R.shape[1]),
                 returns=[float(v) for v in R.ravel()], cells=[])
        for mu, alpha in cells:
            weights, fell_back, fun = ref.solve_var_model(R, alpha, mu, spec.periods_per_year)
            cell = dict(mu=mu, alpha=alpha, fallback=bool(fell_back), objective=float(fun),
                        weights=[float(v) for v in weights])
            if not no_raw:
                raw = linprog(method="highs", **ref.cvar_lp(R, alpha, None if fell_back else mu, spec.periods_per_year))
                cell["x"] = [float(v) for v in raw.x]
            w["cells"].append(cell)
        windows.append(w)
    out = dict(windows=windows, cells=[dict(mu=mu, alpha=a) for mu, a in cells])
    if timed:
        Rs = [ref.estimation_window(mkt, t, spec)[1] for t in days]
        best = best_cpu = math.inf
        for _ in range(3):
            tic, cpu = time.perf_counter(), time.process_time()
            for R in Rs:
                for mu, alpha in cells:
                    ref.solve_var_model(R, alpha, mu, spec.periods_per_year)
            best = min(best, time.perf_counter() - tic)
            best_cpu = min(best_cpu, time.process_time() - cpu)
        out["secondsPerLp"] = best / (len(Rs) * len(cells))
        out["cpuSecondsPerLp"] = best_cpu / (len(Rs) * len(cells))
        out["lps"] = len(Rs) * len(cells)
    with open(outp, "w") as f:
        json.dump(out, f)


def run_one(argv):
    if len(argv) >= 3 and argv[0] == "linprog":
        return cmd_linprog(argv[1], argv[2])
    if len(argv) >= 3 and argv[0] == "cvar":
        timed = "--time" in argv
        cells = ""
        if "--cells" in argv:
            cells = argv[argv.index("--cells") + 1]
        return cmd_cvar(argv[1], argv[2], timed, cells, "--no-raw" in argv)
    sys.exit(__doc__)


def main(argv):
    # Several commands in one process (one interpreter start per test file): CMD ARGS + CMD ARGS ...
    cmd = []
    for a in argv + ["+"]:
        if a == "+":
            if cmd:
                run_one(cmd)
            cmd = []
        else:
            cmd.append(a)


if __name__ == "__main__":
    main(sys.argv[1:])
