"""Protocol words are spelt once (idp/domain/vocab.py): client authentication methods, grant
types and ID token signing algorithms; so are the purposes of blind indexes and keyed digests
(idp/domain/purposes.py). Every other module names the constant (migrations keep their own
copies: they are history)."""

from __future__ import annotations

import ast
from pathlib import Path

from idp.domain import purposes, vocab
from idp.protocol.metadata import build

PACKAGE = Path(__file__).resolve().parent.parent / "idp"
# words that mean only the vocabulary (unlike "none", "refresh_token" or "code", which are also
# parameter names and token types)
ONLY_VOCAB = {
    vocab.CLIENT_SECRET_BASIC,
    vocab.CLIENT_SECRET_POST,
    vocab.PRIVATE_KEY_JWT,
    vocab.AUTHORIZATION_CODE,
    vocab.CLIENT_CREDENTIALS,
    vocab.RS256,
    vocab.ES256,
}


# purposes that mean only a purpose ("uscc", "mobile", "email", "captcha", "throttle" are also
# field names, kinds and store prefixes)
ONLY_PURPOSE = {
    purposes.ID_NUMBER,
    purposes.ORG_CODE,
    purposes.LEGACY_ROW,
    purposes.REGISTER_VERIFIED,
    purposes.HANDLER_BINDING_LIMIT,
    purposes.CLIENT_SECRET,
    purposes.VERIFICATION_BINDING,
    purposes.VERIFICATION_CODE,
    purposes.CODE_ACCESS,
    purposes.CODE_REFRESH,
    purposes.SUCCESSOR_ACCESS,
    purposes.SUCCESSOR_REFRESH,
}

# (file, word) spelt for another reason: the attribute Authlib sets on its request object
OTHER_MEANING = {("idp/protocol/tokens.py", vocab.AUTHORIZATION_CODE)}


def test_vocabulary_words_are_spelt_only_in_vocab():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocab.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = str(path.relative_to(PACKAGE.parent))
            if (
                isinstance(node, ast.Constant)
                and node.value in ONLY_VOCAB
                and (where, node.value) not in OTHER_MEANING
            ):
                found.append(f"{where}:{node.lineno} {node.value!r}")
    assert found == []


def test_discovery_offers_the_vocabulary():
    doc = build("https://id.example", ["openid"])
    assert doc["token_endpoint_auth_methods_supported"] == list(vocab.AUTH_METHODS)
    assert doc["introspection_endpoint_auth_methods_supported"] == list(
        vocab.CONFIDENTIAL_AUTH_METHODS
    )
    assert set(doc["id_token_signing_alg_values_supported"]) == set(vocab.ID_TOKEN_ALGS)
    assert doc["response_types_supported"] == list(vocab.RESPONSE_TYPES) == ["code"]
    assert doc["acr_values_supported"] == list(vocab.ACR_VALUES) == ["1"]


def test_blind_index_purposes_are_spelt_only_in_purposes():
    """D5: a purpose is part of every stored index; one spelling, so no two modules can drift
    apart (an index written under "id-number" and looked up under "id_number" finds nothing)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE.parent))
        if path.name == "purposes.py" or "/migrations/" in where:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ONLY_PURPOSE:
                found.append(f"{where}:{node.lineno} {node.value!r}")
    assert found == []
