#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only).
# Order: $PYTHON, python3.10 on PATH, pyenv's 3.10.x versions.
set -u
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }
if [ -n "${PYTHON:-}" ]; then
  if is_310 "$PYTHON"; then echo "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not Python 3.10" >&2; exit 1
fi
for candidate in python3.10 $(command -v pyenv >/dev/null 2>&1 && echo "$(pyenv root)/versions/3.10"*/bin/python3.10) "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /root/.pyenv/versions/3.10*/bin/python3.10; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if is_310 "$path"; then echo "$path"; exit 0; fi
done
cat >&2 <<'MSG'
Python 3.10 が見つかりません (Rasa 3.6 は Python 3.8〜3.10 でのみ動きます)。
次のどれかで用意してください:
  pyenv install 3.10.13            # pyenv を使う場合
  apt-get install python3.10-venv  # ディストリビューションのパッケージがある場合
  make setup PYTHON=/path/to/python3.10
MSG
exit 1
