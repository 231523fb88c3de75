"""Tamper detection for graded submissions: a static scan before grading, an integrity check after.

Tests run in the same Python kernel as the student's code, so a submission could try to pass tests it
should fail by changing what the tests rely on. Two layers (see bertcourse/batch.py for the threat model):

1. `scan_notebook` (static, before anything runs): parses every code cell that will execute at grading
   (not `otter_ignore`) and is not byte-identical to a cell we released (the set-up cell, check cells,
   provided code), after IPython's own syntax transform (so `!cmd` and `%magic` are seen as calls).
   It flags: assigning/deleting attributes of imported modules or of `grader`/`otter`/`__builtins__`
   (also through simple aliases `m = np`), `setattr`/`delattr`/`exec`/`eval`/`compile`/`__import__`/
   `globals`/`vars`/`locals`/`get_ipython`/bare `dir()`, `getattr` with a computed or dunder name,
   introspection dunders (`__dict__`, `__globals__`, `__code__`, `__builtins__`, `__subclasses__`, frames),
   imports of `builtins`, `ctypes`, `gc`, `inspect`, `importlib`, `subprocess`, `signal`, `threading`,
   `multiprocessing`, `atexit`, `types`, `marshal`, `otter` submodules, `sys.modules`/`settrace`/frames,
   process and file-system calls of `os` (`system`, `fork`, `kill`, `remove`, `chmod`, ...), any string that
   names the `tests` folder, writing files with `open(..., "w")`, and rebinding `grader` to anything but
   `otter.Notebook(...)`.
2. `INIT_SNIPPET` / `VERIFY_SNIPPET` (runtime): right after otter's init cell, before any student code,
   the kernel snapshots the dictionaries of every loaded module (builtins, numpy, torch, transformers,
   sklearn and otter are preloaded) and of otter's classes; after otter's export cell has run every test,
   it compares them by identity and writes a verdict to a path whose random name the student code never
   sees. A replaced builtin, a patched library function or a patched otter class fails the verdict.
"""

from __future__ import annotations

import ast
import re

BANNED_IMPORTS = {
    "builtins", "__builtin__", "ctypes", "gc", "inspect", "importlib", "subprocess", "signal", "threading",
    "_thread", "multiprocessing", "atexit", "types", "marshal", "code", "codeop", "runpy", "pty", "socket",
    "sysconfig", "site", "faulthandler", "tracemalloc", "dis", "weakref", "sklearn.metrics._classification",
}
BANNED_CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars", "locals",
                "get_ipython", "breakpoint", "memoryview"}
BANNED_ATTRS = {
    "__dict__", "__globals__", "__code__", "__builtins__", "__subclasses__", "__bases__", "__mro__",
    "__closure__", "__func__", "__getattribute__", "__setattr__", "__delattr__", "__import__", "__loader__",
    "__spec__", "__defaults__", "__kwdefaults__", "__wrapped__", "__self__", "__base__",
    "f_globals", "f_locals", "f_back", "f_builtins", "tb_frame", "gi_frame", "cr_frame", "ag_frame",
    "co_code", "_getframe", "modules", "settrace", "setprofile", "meta_path", "path_hooks", "addaudithook",
    "setrecursionlimit", "_current_frames", "_exit_function",
}
OS_BANNED = {"system", "popen", "fork", "forkpty", "setsid", "setpgid", "setpgrp", "kill", "killpg", "chmod",
             "chown", "remove", "unlink", "rename", "renames", "replace", "rmdir", "removedirs", "symlink",
             "link", "truncate", "open", "write", "utime", "putenv", "unsetenv", "chdir", "fchmod", "dup2",
             "execv", "execve", "execl", "execle", "execlp", "execvp", "execvpe", "spawnl", "spawnv",
             "posix_spawn", "posix_spawnp", "startfile", "setrlimit", "nice", "abort"}
PATH_BANNED = {"write_text", "write_bytes", "unlink", "chmod", "rename", "replace", "rmdir", "touch",
               "symlink_to", "hardlink_to", "rmtree", "copytree", "copyfile", "copy", "copy2", "move"}
TESTS_PATH = re.compile(r"(^|[\\/])tests([\\/]|$)")
SPECIAL_ROOTS = {"grader", "otter", "__builtins__", "builtins", "sys", "os"}


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


class _Scanner(ast.NodeVisitor):
    def __init__(self, modules: set[str], imported: set[str]):
        self.modules = modules  # names bound to modules / objects imported from modules (anywhere in the notebook)
        self.imported = imported
        self.findings: list[str] = []

    def flag(self, node: ast.AST, why: str) -> None:
        self.findings.append(f"line {getattr(node, 'lineno', '?')}: {why}")

    # imports ---------------------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            if alias.name in BANNED_IMPORTS or top in BANNED_IMPORTS or (top == "otter" and alias.name != "otter"):
                self.flag(node, f"imports {alias.name}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = node.module or ""
        top = mod.split(".")[0]
        if mod in BANNED_IMPORTS or top in BANNED_IMPORTS or top == "otter" or node.level:
            self.flag(node, f"imports from {mod or '.'}")
        for alias in node.names:
            if alias.name == "*" or f"{mod}.{alias.name}" in BANNED_IMPORTS or alias.name in BANNED_CALLS | {"modules"}:
                self.flag(node, f"imports {alias.name} from {mod}")
            if mod == "os" and alias.name in OS_BANNED:
                self.flag(node, f"imports os.{alias.name}")
        self.generic_visit(node)

    # writes to shared objects ------------------------------------------------------------------------------
    def _check_target(self, target: ast.AST, value: ast.AST | None) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._check_target(elt, None)
            return
        if isinstance(target, ast.Starred):
            return self._check_target(target.value, None)
        if isinstance(target, ast.Name):
            if target.id == "grader" and not _is_otter_notebook(value):
                self.flag(target, "rebinds the otter `grader` object")
            if target.id in {"__builtins__", "otter", "Checker"}:
                self.flag(target, f"rebinds {target.id}")
            return
        if isinstance(target, ast.Attribute):
            root = _root(target)
            if not isinstance(root, ast.Name):
                self.flag(target, "assigns an attribute of an expression")
            elif root.id in self.modules or root.id in SPECIAL_ROOTS:
                self.flag(target, f"assigns {_dotted(target) or 'an attribute'} (patches a module or the grader)")
        if isinstance(target, ast.Subscript):
            root = _root(target)
            text = ast.unparse(target.value)
            if (not isinstance(root, ast.Name) or root.id in SPECIAL_ROOTS and root.id != "os"
                    or "__dict__" in text or "modules" in text):
                self.flag(target, f"assigns into {text}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, None)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node.value)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._check_target(node.target, node.value)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Name) or target.id in {"grader", "otter"}:
                self._check_target(target, None)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._check_target(node.target, None)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._check_target(item.optional_vars, None)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        if {"grader", "otter", "__builtins__"} & set(node.names):
            self.flag(node, "declares grader/otter global")

    def _def(self, node) -> None:
        if node.name in {"grader", "otter", "__builtins__"}:
            self.flag(node, f"defines {node.name}")
        if node.name in {"__del__", "__getattr__", "__init_subclass__", "__set_name__", "__class_getitem__"}:
            self.flag(node, f"defines {node.name}")
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _def

    # reads and calls ---------------------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in BANNED_ATTRS:
            self.flag(node, f"uses .{node.attr}")
        dotted = _dotted(node)
        if dotted.startswith("os.") and dotted.split(".")[1] in OS_BANNED:
            self.flag(node, f"uses {dotted}")
        if isinstance(node.value, ast.Name) and node.value.id == "otter" and node.attr != "Notebook":
            self.flag(node, f"uses otter.{node.attr}")
        if node.attr in PATH_BANNED and not (isinstance(node.value, ast.Name) and node.value.id in {"copy"}):
            self.flag(node, f"calls .{node.attr} (file-system write)")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in {"__builtins__", "__loader__", "__spec__"}:
            self.flag(node, f"uses {node.id}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in BANNED_CALLS:
                self.flag(node, f"calls {func.id}()")
            if func.id == "dir" and not node.args:
                self.flag(node, "calls dir() on the namespace")
            if func.id == "getattr" and len(node.args) >= 2:
                name = node.args[1]
                if not (isinstance(name, ast.Constant) and isinstance(name.value, str)) or name.value.startswith("_"):
                    self.flag(node, "getattr with a computed or private name")
            if func.id == "open":
                mode = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "mode"), None)
                if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)
                                             and not set(mode.value) & set("wax+")):
                    self.flag(node, "opens a file for writing")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and TESTS_PATH.search(node.value) and len(node.value) < 300:
            self.flag(node, f"names the tests folder ({node.value[:40]!r})")
        elif isinstance(node.value, str) and ("results.pkl" in node.value or "autograder" in node.value):
            self.flag(node, f"names grader files ({node.value[:40]!r})")


def _is_otter_notebook(value: ast.AST | None) -> bool:
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Name) and value.func.value.id == "otter"
            and value.func.attr == "Notebook")


def _python_source(source: str) -> str:
    """The cell as IPython runs it: `!ls` and `%time` become get_ipython() calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - fall back to the raw source
        return source


def _module_names(trees: list[ast.AST]) -> tuple[set[str], set[str]]:
    """Names bound by imports anywhere, plus plain aliases of them (`m = np`, `f = sklearn.metrics`)."""
    modules: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update((a.asname or a.name.split(".")[0]) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                modules.update((a.asname or a.name) for a in node.names)
    imported = set(modules)
    changed = True
    while changed:  # propagate aliases to a fixed point
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Attribute)):
                    root = _root(node.value)
                    if isinstance(root, ast.Name) and root.id in modules | SPECIAL_ROOTS:
                        for target in node.targets:
                            if isinstance(target, ast.Name) and target.id not in modules:
                                modules.add(target.id)
                                changed = True
    return modules, imported


def scan_notebook(nb, trusted_sources: set[str] = frozenset()) -> list[str]:
    """Findings (empty: clean) for the code cells of `nb` that run at grading and that we did not write."""
    cells = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "otter_ignore" in tags or cell.get("metadata", {}).get("otter", {}).get("ignore"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if source.strip() in trusted_sources:
            continue
        try:
            tree = ast.parse(_python_source(source))
        except SyntaxError:
            continue  # it cannot run either: the cell fails at grading
        cells.append((i, tree))
    modules, imported = _module_names([t for _, t in cells])
    findings = []
    for i, tree in cells:
        scanner = _Scanner(modules, imported)
        scanner.visit(tree)
        findings += [f"cell {i} {f}" for f in scanner.findings]
    return findings


def trusted_sources(notebooks) -> set[str]:
    """Stripped sources of every code cell of the released notebooks (student copy and solution)."""
    out = set()
    for nb in notebooks:
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                out.add(("".join(source) if isinstance(source, list) else source).strip())
    out.discard("")
    return out


# --- runtime integrity ---------------------------------------------------------------------------------------
# Appended to otter's init cell (runs before any student code). __VAR__ becomes a random name.
INIT_SNIPPET = '''
def _bc_snapshot():
    import builtins as _b, sys as _s
    mods = {}
    for _n, _m in list(_s.modules.items()):
        _d = getattr(_m, "__dict__", None)
        if type(_d) is dict:
            mods[_n] = (_m, dict(_d))
    classes, seen = [], set()
    for _n, (_m, _d) in mods.items():
        if _n == "otter" or _n.startswith("otter."):
            for _v in _d.values():
                if isinstance(_v, type) and getattr(_v, "__module__", "").startswith("otter") and _v not in seen:
                    seen.add(_v)
                    classes.append((_v, dict(_v.__dict__)))
    return {"mods": mods, "classes": classes, "builtins": dict(_b.__dict__), "bmod": _b,
             "open": open, "type": type, "id": id, "len": len, "list": list, "str": str, "repr": repr,
             "getattr": getattr, "sys": _s, "isinstance": isinstance}
__VAR__ = _bc_snapshot()
del _bc_snapshot
'''

# Appended to otter's export cell (runs after every test). __VAR__ as above; __PATH__ (the verdict file)
# appears only here.
VERIFY_SNIPPET = '''
_IPY_CHANGES = {"sys.excepthook", "sys.displayhook", "sys.stdout", "sys.stderr", "sys.stdin", "sys.last_type",
                "sys.last_value", "sys.last_traceback", "sys.last_exc", "sys.ps1", "sys.ps2", "sys.ps3",
                "getpass.getpass", "builtins.input", "builtins.raw_input", "builtins._", "builtins.__",
                "builtins.___"}
def _bc_verify(_s):
    _problems = []
    _type, _id, _len, _str, _repr = _s["type"], _s["id"], _s["len"], _s["str"], _s["repr"]
    _bd = _s["bmod"].__dict__
    for _k, _v in _s["builtins"].items():
        if _k not in _bd or _bd[_k] is not _v:
            if _k not in ("_", "__", "___", "exit", "quit", "input", "raw_input", "display", "get_ipython"):
                _problems.append("builtins." + _k + " was replaced")
    for _k in _bd:
        if _k not in _s["builtins"] and not _k.startswith("_"):
            _problems.append("builtins." + _k + " was added")
    for _n, (_m, _old) in _s["mods"].items():
        _cur = _s["sys"].modules.get(_n)
        if _cur is not None and _cur is not _m and _n != "__main__":
            _problems.append("module " + _n + " was replaced")
        _d = _m.__dict__
        _watch = _n.split(".")[0] in ("builtins", "numpy", "sklearn", "otter", "random", "math", "operator",
                                      "functools", "json", "pickle", "dill", "nbformat", "io", "os", "sys")
        for _k, _v in _old.items():
            _now = _d.get(_k, _v)
            if _now is _v:
                continue
            _mod = ""
            try:
                _mod = _str(_s["getattr"](_now, "__module__", "") or "")
            except BaseException:
                pass
            if _n + "." + _k in _IPY_CHANGES:  # the kernel itself swaps these on every execution
                continue
            if _watch and _k not in ("__warningregistry__", "_cache", "_globals_cache") or _mod == "__main__":
                _problems.append(_n + "." + _k + " was changed")
    for _c, _old in _s["classes"]:
        for _k, _v in _old.items():
            if _c.__dict__.get(_k, _v) is not _v:
                _problems.append(_c.__module__ + "." + _c.__name__ + "." + _k + " was changed")
        for _k in _c.__dict__:
            if _k not in _old and _k != "__slotnames__":  # pickle caches that one
                _problems.append(_c.__module__ + "." + _c.__name__ + "." + _k + " was added")
    with _s["open"](__PATH__, "w") as _f:
        _f.write("OK\\n" if not _problems else "TAMPERED\\n" + "\\n".join(_problems[:20]) + "\\n")
_bc_verify(__VAR__)
'''
