"""The Python contender of bench_e2e: what a user would write with requests.

Driven over stdin/stdout so one process (and one Session, one connection)
lives through every interleaved block: each line "N" runs N user/info calls
(one untimed warm-up first) and answers with the elapsed nanoseconds.
"""
import os
import sys
import time

import requests


def main():
    url = sys.argv[1] + "/twitter/user/info"
    session = requests.Session()
    session.headers.update({
        "Authorization": "Bearer " + os.environ.get("GETXAPI_BENCH_KEY", "bench-key"),
    })
    params = {"userName": "ada_example"}

    def call():
        response = session.get(url, params=params, timeout=30)
        response.raise_for_status()
        data = response.json()["data"]
        # The same fields the C++ contenders copy out.
        return (data["id"], data.get("userName"), data.get("name"), data.get("description"),
                data.get("location"), data.get("url"), data.get("protected"),
                data.get("isVerified"), data.get("isBlueVerified"), data.get("followers"),
                data.get("following"), data.get("createdAt"), data.get("canDm"))

    for line in sys.stdin:
        calls = int(line)
        call()
        start = time.perf_counter_ns()
        for _ in range(calls):
            call()
        print(time.perf_counter_ns() - start, flush=True)


if __name__ == "__main__":
    main()
