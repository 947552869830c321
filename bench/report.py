"""Turns bench_codec's JSON and bench_e2e's RESULT lines into one Markdown table.

Usage: report.py CODEC_JSON E2E_TXT COMMAND
"""
import datetime
import json
import os
import platform
import sys

# bench_codec name -> what the row says.
CODEC_ROWS = {
    "BM_DecodeDmListPage50": "decode dm/list page, 50 messages",
    "BM_DecodeFollowersPage70": "decode followers_v2 page, 70 users",
    "BM_DecodeConversationPage50": "decode dm/list inbox page, 50 conversations",
    "BM_DecodeConversationPage50HandWritten": "50 conversations by hand (nlohmann, copy fields, keep raw)",
    "BM_DecodeUserInfo": "decode user/info",
    "BM_DecodeUserInfoHandWritten": "user/info by hand (nlohmann, copy fields)",
    "BM_EncodeUserInfoUrl": "encode user/info URL",
    "BM_EncodeFollowersUrl": "encode followers_v2 URL with cursor",
    "BM_EncodeSendDm": "encode dm/send body",
    "BM_EncodeListDms": "encode dm/list body",
    "BM_EncodeLogin": "encode user_login body",
    "BM_MapHttpError": "map an error response (13 documented bodies in turn)",
    "BM_ClientUserInfoNoNetwork": "Client::user_info, in-memory transport",
    "BM_ClientListDmsNoNetwork": "Client::list_dms (50 messages), in-memory transport",
}

# bench_codec peak-heap benchmarks -> (what the row says, whether the page decodes).
PEAK_ROWS = {
    "BM_PeakFollowersPage7MB": ("real-shaped users", True),
    "BM_PeakOneFieldUsersPage7MB": ("one-field users (hostile)", False),
    "BM_PeakEmptyObjectsPage7MB": ("users with 100 {} each (hostile)", False),
}


def peak_row(bench):
    what, decodes = PEAK_ROWS[bench["name"].split("/")[0]]
    factor, budget = bench["peak_x"], bench["budget_x"]
    outcome = f"{bench['users']:.0f} users" if decodes else "refused (kInvalidResponse)"
    figure = (f"followers_v2 page of {bench['body_mb']:.1f} MB, {what}: "
              "peak heap / body size (body included)")
    return ("memory", figure, f"{factor:.2f}x, {outcome}", f"<= {budget:.0f}x",
            "ok" if factor <= budget else "MISS")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    codec_path, e2e_path, command = sys.argv[1:4]
    rows = []
    peaks = []  # after the cpu rows
    with open(codec_path) as f:
        codec = json.load(f)
    for bench in codec.get("benchmarks", []):
        name = bench["name"].split("/")[0]  # without "/iterations:N"
        if bench.get("run_type", "iteration") != "iteration":
            continue
        if name in PEAK_ROWS:
            peaks.append(peak_row(bench))
            continue
        if name not in CODEC_ROWS:
            continue
        ns = bench["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[bench["time_unit"]]
        value = f"{ns / 1e3:.2f} us" if ns >= 10_000 else f"{ns:.0f} ns"
        allocs = bench.get("allocs")
        if allocs is not None:
            value += f", {allocs:.0f} allocs"
        rows.append(("cpu", CODEC_ROWS[name] + " (CPU time/op, allocations/op)", value, "", ""))
    rows += peaks
    with open(e2e_path) as f:
        for line in f:
            if line.startswith("RESULT\t"):
                parts = line.rstrip("\n").split("\t")[1:]
                parts += [""] * (5 - len(parts))
                rows.append(tuple(parts[:5]))

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Machine: {os.cpu_count()} cores (`nproc`), \"{cpu_model()}\" (/proc/cpuinfo model name), "
          f"Linux {platform.release()}. Date: {now}. Command: `{command}`.")
    print()
    print("| section | figure | value | target | verdict |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    misses = [row for row in rows if row[4] == "MISS"]
    print()
    print(f"{len(misses)} target(s) missed." if misses else "All targets met.")


if __name__ == "__main__":
    main()
