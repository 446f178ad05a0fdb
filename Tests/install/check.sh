#!/usr/bin/env bash
# What `make install` left under a prefix works: the binaries run, man renders the page (every command and the exit
# codes in it, no mdoc warning), and each shell loads its completion script. Usage: check.sh PREFIX
set -euo pipefail
prefix="${1:?usage: check.sh PREFIX}"
fail() { echo "install-check: $*" >&2; exit 1; }

for file in bin/actor-run bin/apify-emulator share/man/man1/actor-run.1 share/bash-completion/completions/actor-run \
    share/zsh/site-functions/_actor-run share/fish/vendor_completions.d/actor-run.fish; do
    [ -s "$prefix/$file" ] || fail "$file is missing"
done
[ "$("$prefix/bin/actor-run" --version)" = "$("$prefix/bin/apify-emulator" --version)" ] \
    || fail "actor-run and apify-emulator report different versions"

if command -v man >/dev/null; then
    page=$(MANWIDTH=80 man -l "$prefix/share/man/man1/actor-run.1" 2>"$prefix/man.err") || fail "man -l failed"
    [ ! -s "$prefix/man.err" ] || fail "man -l warned: $(cat "$prefix/man.err")"
    rm -f "$prefix/man.err"
    for word in "EXIT STATUS" "EXAMPLES" run task resurrect wait output log abort runs batch --memory --dataset; do
        grep -q -- "$word" <<<"$page" || fail "the man page does not mention $word"
    done
else
    echo "install-check: no man here; the page's rendering is not checked"
fi

bash -c "source '$prefix/share/bash-completion/completions/actor-run' && complete -p actor-run" >/dev/null \
    || fail "bash does not load the completion"
if command -v zsh >/dev/null; then zsh -n "$prefix/share/zsh/site-functions/_actor-run" || fail "zsh: syntax"; fi
if command -v fish >/dev/null; then fish -n "$prefix/share/fish/vendor_completions.d/actor-run.fish" || fail "fish"; fi
