"""Imports one module over and over, each time with a differently damaged
pyc in place, and reports what the real interpreter did.  Runs under
Python 2.7 and 3.x.  Driven by tests/unmounted/pyc_interpreter_agreement_test.cpp.

    import_driver.py prepare DIR MODULE
        compiles DIR/MODULE.py the way the interpreter's import does and
        prints: PYC_PATH MAGIC CACHE_TAG
    import_driver.py run DIR MODULE CASES START
        CASES: one case a line, "ID orig 0 0", "ID trunc LEN 0",
        "ID zero FROM 0" (zeros from FROM to the end), "ID zblock FROM LEN",
        "ID flip POS XOR"; cases before line START are skipped.  For each,
        writes the damaged pyc, has the import system load MODULE, and
        prints one line:
            ID LOADED [NOTE]  the loader produced the module's code object
            ID RECOMPILED     the loader rejected the pyc and recompiled
            ID FAILED EXC MESSAGE   loading raised: the pyc breaks the import
    import_driver.py probe DIR MODULE CASES ID
        marshal.loads() of case ID's body, in a fresh process, after `run`
        died on it: prints "ID LOADS" or "ID FAILS EXC MESSAGE".

What is compared is the *loader*: header checks, marshal and code object
creation, exactly as the import system runs them, but not the module's
execution (damaged bytecode that loads may do anything when run; that is
the checker's silent-corruption case, judged by comparing bytes).
  3.x  importlib's SourceFileLoader.get_code(), which import's exec_module()
       calls before exec(): the real header validation, marshal.loads() and
       fallback recompilation.
  2.7  the loader is C (import.c) and runs the module right after loading,
       so the real `import` runs with a trace function that raises at the
       'call' event of the module's frame, before its first instruction.
       A failure before that point whose body marshal.loads() nevertheless
       loads is a failure of execution (e.g. a flipped co_stacksize makes
       frame creation raise MemoryError): reported as LOADED.
Recompilation shows as the pyc being rewritten (PYTHONDONTWRITEBYTECODE
must be unset).  Memory is capped so that a corrupt count makes 2.7 raise
MemoryError instead of thrashing; a crash or hang is left for the caller,
which probes the case and restarts at the next one.
"""
import os
import sys

try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
except Exception:
    pass


class Loaded(BaseException):
    pass


def pyc_path(directory, module):
    if sys.version_info[0] == 2:
        return os.path.join(directory, module + '.pyc')
    import importlib.util
    return importlib.util.cache_from_source(os.path.join(directory, module + '.py'))


def describe(e):
    text = str(e).replace('\n', ' ').replace('\r', ' ')[:200]
    return '%s %s' % (type(e).__name__, text)


def header_size():
    if sys.version_info[0] == 2 or sys.version_info < (3, 3):
        return 8
    return 12 if sys.version_info < (3, 7) else 16


def marshal_error(data):
    """None if marshal.loads() makes a code object of the body, else why not."""
    import marshal
    import types
    try:
        code = marshal.loads(data[header_size():])
    except BaseException as e:
        return describe(e)
    return None if isinstance(code, types.CodeType) else 'ImportError Non-code object'


def load_once(directory, module):
    if sys.version_info[0] > 2:
        from importlib.machinery import SourceFileLoader
        loader = SourceFileLoader(module, os.path.join(directory, module + '.py'))
        try:
            loader.get_code(module)
            return 'LOADED'
        except BaseException as e:
            return 'FAILED ' + describe(e)
    return import_once(module)


def import_once(module):
    def tracer(frame, event, arg):
        if event == 'call' and frame.f_globals.get('__name__') == module:
            raise Loaded()
        return None
    sys.modules.pop(module, None)
    sys.settrace(tracer)
    try:
        __import__(module)
        return 'IMPORTED'  # the tracer never fired: should not happen
    except Loaded:
        return 'LOADED'
    except BaseException as e:
        return 'FAILED ' + describe(e)
    finally:
        sys.settrace(None)
        sys.modules.pop(module, None)


def damage(pristine, kind, a, b):
    if kind == 'orig':
        return pristine
    if kind == 'trunc':
        return pristine[:a]
    if kind == 'zero':
        return pristine[:a] + b'\0' * (len(pristine) - a)
    if kind == 'zblock':
        end = min(len(pristine), a + b)
        return pristine[:a] + b'\0' * (end - a) + pristine[end:]
    if kind == 'flip':
        damaged = bytearray(pristine)
        damaged[a] ^= b
        return bytes(damaged)
    raise ValueError('unknown case kind %r' % kind)


def read(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except (IOError, OSError):
        return None


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def main():
    command, directory, module = sys.argv[1:4]
    sys.dont_write_bytecode = False
    sys.path.insert(0, directory)
    path = pyc_path(directory, module)
    if command == 'prepare':
        if sys.version_info[0] == 2:
            import imp
            result = import_once(module)
            magic, tag = imp.get_magic(), '-'
        else:
            import importlib.util
            import py_compile
            py_compile.compile(os.path.join(directory, module + '.py'), doraise=True)
            result = 'LOADED'
            magic, tag = importlib.util.MAGIC_NUMBER, sys.implementation.cache_tag
        if not result.startswith('LOADED') or read(path) is None:
            sys.exit('prepare: importing %s did not write %s (%s)' % (module, path, result))
        magic_int = bytearray(magic)[0] | (bytearray(magic)[1] << 8)
        sys.stdout.write('%s %d %s\n' % (path, magic_int, tag))
        return
    cases, start = sys.argv[4], int(sys.argv[5])
    pristine = read(path + '.pristine')
    if pristine is None:
        sys.exit('run: %s.pristine is missing (run prepare first)' % path)
    if command == 'probe':
        with open(cases) as f:
            ident, kind, a, b = f.read().splitlines()[start].split()
        error = marshal_error(damage(pristine, kind, int(a), int(b)))
        sys.stdout.write('%s %s\n' % (ident, 'LOADS' if error is None else 'FAILS ' + error))
        return
    if sys.version_info[0] > 2:
        import importlib
        importlib.invalidate_caches()
    with open(cases) as f:
        lines = f.read().splitlines()
    for line in lines[start:]:
        ident, kind, a, b = line.split()
        damaged = damage(pristine, kind, int(a), int(b))
        write(path, damaged)
        result = load_once(directory, module)
        rewritten = read(path) != damaged
        if result == 'LOADED' and rewritten:
            result = 'RECOMPILED'
        elif result.startswith('FAILED') and not rewritten and sys.version_info[0] == 2:
            if marshal_error(damaged) is None:
                result = 'LOADED (execution failed: %s)' % result[len('FAILED '):]
        sys.stdout.write('%s %s\n' % (ident, result))
        sys.stdout.flush()


if __name__ == '__main__':
    main()
