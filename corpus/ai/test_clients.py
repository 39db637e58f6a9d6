import pytest

from agent.clients import build_client, mask

FAKE_KEYS = {
    "openai": "sk-proj-" + "x" * 48,
    "anthropic": "sk-ant-api03-test-key",
    "groq": "gsk_" + "0" * 52,
    "huggingface": "hf_dummy_token_for_tests",
}


@pytest.mark.parametrize("provider", sorted(FAKE_KEYS))
def test_build_client_accepts_key(provider, monkeypatch):
    monkeypatch.setenv(f"{provider.upper()}_API_KEY", FAKE_KEYS[provider])
    assert build_client(provider) is not None


def test_mask_keeps_prefix_only():
    assert mask("sk-ant-api03-abcdef") == "sk-a…"
    assert mask("") == ""
