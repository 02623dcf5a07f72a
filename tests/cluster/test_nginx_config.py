"""The generated nginx configuration: nginx itself accepts it, and it routes as documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import cluster  # noqa: E402


def test_generated_config_is_valid_and_routes_as_documented(tmp_path):
    prefix = tmp_path / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    text = cluster.nginx_config(prefix, 18081, [18101, 18102])
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    nginx = cluster.nginx_binary()
    checked = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    sticky = re.search(r"upstream rasa_sticky \{(.*?)\}", text, re.S).group(1)
    round_robin = re.search(r"upstream rasa_round_robin \{(.*?)\}", text, re.S).group(1)
    assert "ip_hash" in sticky and "ip_hash" not in round_robin
    assert sticky.count("server 127.0.0.1:") == round_robin.count("server 127.0.0.1:") == 2
    assert re.search(r"location /socket.io/ \{\s*proxy_pass http://rasa_sticky;", text)
    assert re.search(r"location / \{\s*proxy_pass http://rasa_round_robin;", text)  # /webhooks/rest, /webhooks/line
    assert "non_idempotent" in text  # a POST cut off by a dead instance is retried on the other one
    assert "listen 127.0.0.1:18081;" in text  # loopback only
