#!/usr/bin/env python3
"""dockerfile.py - run a Dockerfile's steps here, without a Docker engine.

Used by tests/e2e/templates.sh and tests/e2e/release_path.sh to prove that
templates/docker/Dockerfile builds what it says, the way a user's `docker
build` would, on this Debian 12 machine (the Dockerfile's base image).

  dockerfile.py build DOCKERFILE --context DIR --root DIR [--build-arg K=V]...
      Every stage gets its own directory ROOT/<stage>/ standing for its
      filesystem. Absolute paths the Dockerfile uses must lie under one of
      MAPPED_ROOTS and are rewritten into that directory (a path outside
      them is an error, so a new one is noticed, never written to the real
      /usr/local). RUN steps run with `sh -c` in a clean environment (PATH
      of the stage first; ARG and ENV values); COPY copies from the context
      (honouring simple .dockerignore patterns) or, with --from, from an
      earlier stage's directory. A RUN step that calls apt-get is not run
      (no network): it may only update, install and clean up, and every
      package it installs must be installed on this machine. Prints a JSON
      summary: per stage its name, base image, apt packages, CMD and
      ENTRYPOINT, and its directory.

  dockerfile.py ldd-check BINARY PACKAGE... [--dlopen SONAME]...
      Every library BINARY loads (ldd) must belong to PACKAGE..., libc6, or
      a package they depend on, directly or not (the final image's
      packages); and none may be libsqlite3 or libgit2. --dlopen: a library
      BINARY loads itself when it needs it (migrate: libpq.so.5, for a
      PostgreSQL URL), found as the dynamic loader would (ldconfig -p); it
      and every library it loads must belong to those packages too. Its
      lines start with "dlopen ".
"""
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

# The absolute paths a Dockerfile may use, each mapped into the stage's
# directory.
MAPPED_ROOTS = ("/out", "/src", "/app", "/usr/local")
INSTRUCTIONS = {"FROM", "RUN", "COPY", "WORKDIR", "ARG", "ENV", "CMD",
                "ENTRYPOINT", "LABEL", "EXPOSE"}
ABS_PATH = re.compile(r'(?<![\w.$}\-])(/[A-Za-z_][\w.\-/]*)')


def die(msg):
    sys.exit("dockerfile.py: " + msg)


def parse(path):
    """The instructions of a Dockerfile: [(line number, KEYWORD, text)]."""
    out, buf, start = [], "", 0
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.rstrip("\n")
        if line.lstrip().startswith("#"):
            continue  # comments, also inside a continued instruction
        if not buf:
            if not line.strip():
                continue
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        if word.upper() not in INSTRUCTIONS:
            die("%s:%d: %s is not emulated" % (path, start, word))
        out.append((start, word.upper(), rest.strip()))
        buf = ""
    return out


class Stage:
    def __init__(self, index, image, name, root):
        self.index, self.image, self.name = index, image, name
        self.dir = os.path.join(root, name or "stage%d" % index)
        self.workdir = "/"
        self.env = {}
        self.apt = []
        self.cmd = self.entrypoint = None
        os.makedirs(self.dir)

    def map(self, path, where):
        """The directory standing for the absolute `path` of this stage."""
        if not path.startswith("/"):
            path = os.path.normpath(os.path.join(self.workdir, path))
        for r in MAPPED_ROOTS:
            if path == r or path.startswith(r + "/"):
                return self.dir + path
        die("%s: the path %s is outside %s; add it to MAPPED_ROOTS"
            % (where, path, ", ".join(MAPPED_ROOTS)))

    def map_text(self, text, where):
        return ABS_PATH.sub(lambda m: self.map(m.group(1), where), text)


def apt_packages(cmd, where):
    """The packages of an apt-get RUN step, which must do nothing else."""
    pkgs = []
    for part in re.split(r"\s*&&\s*", cmd.strip()):
        words = shlex.split(part)
        if words[:2] == ["apt-get", "update"] and len(words) == 2:
            continue
        if words[:2] == ["rm", "-rf"] and words[2:] == ["/var/lib/apt/lists/*"]:
            continue
        if words[:2] == ["apt-get", "install"]:
            pkgs += [w for w in words[2:] if not w.startswith("-")]
            continue
        die("%s: an apt-get step may only update, install and clean up, "
            "not '%s'" % (where, part))
    missing = [p for p in pkgs if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
        text=True).stdout != "install ok installed"]
    if missing:
        die("%s: packages not installed here: %s (apt-get install %s)"
            % (where, " ".join(missing), " ".join(missing)))
    return pkgs


def ignored(rel, patterns):
    return any(fnmatch.fnmatch(rel, p) or rel.startswith(p.rstrip("/") + "/")
               for p in patterns)


def copy_tree(src, dst, rel, patterns):
    """Copy src (a file or the contents of a directory) to dst."""
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
        for name in sorted(os.listdir(src)):
            r = os.path.join(rel, name) if rel else name
            if not ignored(r, patterns):
                copy_tree(os.path.join(src, name), os.path.join(dst, name),
                          r, patterns)
    elif os.path.islink(src):
        if os.path.lexists(dst):
            os.unlink(dst)
        os.symlink(os.readlink(src), dst)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def json_or_shell(text):
    text = text.strip()
    return json.loads(text) if text.startswith("[") else ["/bin/sh", "-c", text]


def build(dockerfile, context, root, build_args):
    stages, cur, args = [], None, {}
    ignore_file = os.path.join(context, ".dockerignore")
    patterns = []
    if os.path.exists(ignore_file):
        patterns = [line.strip() for line in open(ignore_file)
                    if line.strip() and not line.startswith("#")]
    for n, word, text in parse(dockerfile):
        where = "%s:%d" % (dockerfile, n)
        if word == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?$", text, re.I)
            cur = Stage(len(stages), m.group(1), m.group(2), root)
            stages.append(cur)
            args = {}
            continue
        if cur is None:
            die("%s: %s before FROM" % (where, word))
        if word == "ARG":
            name, eq, default = text.partition("=")
            args[name] = build_args.get(name, default if eq else "")
        elif word == "ENV":
            m = re.match(r"(\w+)[= ](.*)$", text)
            cur.env[m.group(1)] = cur.map_text(m.group(2).strip('"'), where)
        elif word == "WORKDIR":
            cur.workdir = text
            os.makedirs(cur.map(text, where), exist_ok=True)
        elif word == "COPY":
            words = shlex.split(text)
            src_stage = None
            if words[0].startswith("--from="):
                name = words.pop(0)[len("--from="):]
                src_stage = next(s for s in stages if s.name == name)
            *srcs, dest = words
            for src in srcs:
                if src_stage:
                    from_path = src_stage.map(src, where)
                else:
                    from_path = os.path.normpath(os.path.join(context, src))
                to = cur.map(dest, where)
                if os.path.isfile(from_path) and (dest.endswith("/") or
                                                  os.path.isdir(to)):
                    to = os.path.join(to, os.path.basename(from_path))
                rel = "" if src_stage else os.path.relpath(from_path, context)
                copy_tree(from_path, to, "" if rel == "." else rel,
                          [] if src_stage else patterns)
        elif word == "RUN":
            if "apt-get" in text:
                cur.apt += apt_packages(text, where)
                continue
            env = {"PATH": ":".join([cur.dir + "/usr/local/sbin",
                                     cur.dir + "/usr/local/bin",
                                     "/usr/sbin", "/usr/bin", "/sbin", "/bin"]),
                   "HOME": cur.dir,
                   "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
                   "LANG": "C.UTF-8"}
            env.update(args)
            env.update(cur.env)
            cwd = cur.map(cur.workdir, where) if cur.workdir != "/" else cur.dir
            cmd = cur.map_text(text, where)
            print("+ RUN " + text, file=sys.stderr)
            if subprocess.run(["sh", "-c", cmd], cwd=cwd, env=env,
                              stdout=sys.stderr).returncode:
                die("%s: RUN failed: %s" % (where, text))
        elif word == "CMD":
            cur.cmd = json_or_shell(text)
        elif word == "ENTRYPOINT":
            cur.entrypoint = json_or_shell(text)
    return [{"name": s.name, "image": s.image, "apt": s.apt, "dir": s.dir,
             "cmd": s.cmd, "entrypoint": s.entrypoint} for s in stages]


def dpkg_closure(pkgs):
    """The installed packages `pkgs` depend on, directly or not."""
    seen, todo = set(), list(pkgs)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}",
                            p], capture_output=True, text=True)
        if r.returncode:
            continue  # an alternative that is not installed
        seen.add(p)
        for alt in re.split(r"[,|]", r.stdout):
            name = alt.strip().split(" ")[0].split(":")[0]
            if name:
                todo.append(name)
    return seen


def owner(path):
    cands = [path, os.path.realpath(path)]
    for c in list(cands):
        if c.startswith("/usr/lib/"):
            cands.append(c[4:])
        elif c.startswith("/lib"):
            cands.append("/usr" + c)
    for c in cands:
        r = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def find_soname(soname):
    """The file the dynamic loader opens for dlopen(soname): ldconfig's
    first entry of that name (it lists the native ones first), or None."""
    for ldconfig in ("ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"):
        try:
            out = subprocess.run([ldconfig, "-p"], capture_output=True,
                                 text=True).stdout
        except OSError:
            continue
        for line in out.splitlines():
            name, _, path = line.strip().partition(" => ")
            if name.split(" ")[0] == soname:
                return path.strip()
    return None


def check_libs(target, allowed, prefix, bad):
    out = subprocess.run(["ldd", target], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if "not found" in line:
            bad.append(line.strip())
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if not m:
            continue
        lib = m.group(1)
        pkg = owner(lib)
        if re.search(r"sqlite|git2", lib) or pkg not in allowed:
            bad.append("%s (package %s)" % (lib, pkg))
        else:
            print("%-40s %s" % (prefix + os.path.basename(lib), pkg))


def ldd_check(binary, args):
    pkgs, dlopens = [], []
    while args:
        if args[0] == "--dlopen" and len(args) > 1:
            dlopens.append(args[1])
            args = args[2:]
        else:
            pkgs.append(args[0])
            args = args[1:]
    allowed = dpkg_closure(list(pkgs) + ["libc6"])
    bad = []
    check_libs(binary, allowed, "", bad)
    for soname in dlopens:
        path = find_soname(soname)
        pkg = owner(path) if path else None
        if not path or pkg not in allowed:
            bad.append("%s (dlopen, %s, package %s)" % (soname, path, pkg))
            continue
        print("%-40s %s" % ("dlopen " + soname, pkg))
        check_libs(path, allowed, "dlopen ", bad)
    if bad:
        die("libraries outside %s and their dependencies: %s"
            % (", ".join(pkgs), "; ".join(bad)))


def main(argv):
    if len(argv) >= 2 and argv[1] == "ldd-check":
        return ldd_check(argv[2], argv[3:])
    if len(argv) < 3 or argv[1] != "build":
        die("usage: dockerfile.py build DOCKERFILE --context DIR --root DIR "
            "[--build-arg K=V]... | ldd-check BINARY PACKAGE...")
    dockerfile, rest = argv[2], argv[3:]
    opts, build_args = {}, {}
    while rest:
        flag, value = rest[0], rest[1]
        rest = rest[2:]
        if flag == "--build-arg":
            k, _, v = value.partition("=")
            build_args[k] = v
        else:
            opts[flag] = value
    print(json.dumps(build(dockerfile, os.path.abspath(opts["--context"]),
                           os.path.abspath(opts["--root"]), build_args),
                     indent=1))


if __name__ == "__main__":
    main(sys.argv)
