"""ES256 signing for the partner webhooks.

The key pair was generated with `openssl ecparam -genkey -name prime256v1`.
Partners verify with the public key published at /.well-known/jwks.json.
"""
import time
import uuid

import jwt

PRIVATE_KEY = """-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIJjbnQ5c5A4hvb8xRZPQ/tCGA3y8fXfBaKSKuxTVrTPToAoGCCqGSM49
AwEHoUQDQgAEIsno6eEYtv6ytB3Hswg2N4VsJ5xj5FuWieA+cS60psFC0hAVQm11
gdBHcE0pGCu52sRne29wgfSeeo2QoyS2mQ==
-----END EC PRIVATE KEY-----
"""

ISSUER = "https://api.fleetlog.io"


def sign(partner_id: str, claims: dict, ttl: int = 300) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": partner_id, "iat": now, "exp": now + ttl, "jti": str(uuid.uuid4()), **claims}
    return jwt.encode(payload, PRIVATE_KEY, algorithm="ES256", headers={"kid": "fleetlog-2024-01"})
