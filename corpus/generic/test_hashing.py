"""Unit tests for trident.security.hashing (bcrypt wrapper).

The hashes below are fixtures: bcrypt hashes of the literal test string "password",
produced by the library under test - they protect nothing.
"""
import pytest

from trident.security import hashing

KNOWN_HASH = "$2b$12$Jq4paRzlaN5YK9bP05cktLhz.dXihzFFMvOUIbXbTKLvSH//vxddW"
LEGACY_2A_HASH = "$2a$10$uOycN.QRdkdG/9yq7AxLurdb0uMOBFeL.WVntZTY5MnT3k6zuPG9x"


def test_verify_known_hash():
    assert hashing.verify("password", KNOWN_HASH)


def test_verify_rejects_wrong_password():
    assert not hashing.verify("not-the-password", KNOWN_HASH)


def test_legacy_prefix_is_upgraded():
    assert hashing.needs_rehash(LEGACY_2A_HASH)


@pytest.mark.parametrize("password", ["", "a" * 73, "pässwörd"])
def test_hash_roundtrip(password):
    assert hashing.verify(password, hashing.hash(password))
