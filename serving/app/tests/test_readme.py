"""The README's settings table and curl examples stay true to the code."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from app.config import ENV_PREFIX, PACKAGE_DIR, Settings

README = (PACKAGE_DIR / "README.md").read_text()


def test_the_settings_table_lists_exactly_the_settings() -> None:
    documented = set(re.findall(r"^\| `(MODEL_SERVICE_[A-Z_]+)` \|", README, flags=re.MULTILINE))
    fields = {ENV_PREFIX + name.upper() for name, f in Settings.model_fields.items() if not f.validation_alias}

    assert documented == fields


def curl_posts() -> list[tuple[str, dict]]:
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        for command in re.split(r"\n(?=curl )", block):
            words = shlex.split(command.split("#")[0]) if command.startswith("curl") else []
            if "-d" in words:
                url = next(word for word in words if word.startswith("http://"))
                commands.append((url.split("8000", 1)[1], json.loads(words[words.index("-d") + 1])))
    return commands


def test_every_curl_example_body_is_accepted(client) -> None:
    posts = curl_posts()

    assert {path for path, _ in posts} == {"/predict", "/predict/batch"}
    for path, body in posts:
        response = client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})
        assert response.status_code == 200, (path, response.json())


@pytest.mark.parametrize(
    "readme", [PACKAGE_DIR / "README.md", PACKAGE_DIR.parents[1] / "README.md"], ids=["service", "root"]
)
def test_every_picture_a_readme_shows_is_in_the_repository(readme) -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme.read_text())

    assert pictures
    for picture in pictures:
        assert (readme.parent / picture).is_file(), picture
