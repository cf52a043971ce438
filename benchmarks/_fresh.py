"""Child side of :func:`benchmarks.common.in_fresh_process`.

``python -m benchmarks._fresh module:function '{"keyword": value}' [MODULE]``: times
``import MODULE`` first when given (the interpreter is new, so nothing is cached
yet), runs the function, and prints its result with this process's own peak RSS
as one JSON line. The work sits under the ``__main__`` guard: processes that the
function spawns (a Dask nanny's workers) import this module again.
"""

import time

start = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402


def main() -> None:
    import_s = None
    if len(sys.argv) > 3:
        importlib.import_module(sys.argv[3])
        import_s = time.perf_counter() - start

    from benchmarks.common import RESULT_MARKER, jsonable, status_mb

    module_name, function_name = sys.argv[1].split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(**json.loads(sys.argv[2]))
    result.update(
        import_s=import_s,
        peak_rss_mb=status_mb("VmHWM"),
        wall_s=time.perf_counter() - start,
    )
    print(RESULT_MARKER + json.dumps(result, default=jsonable), flush=True)


if __name__ == "__main__":
    main()
