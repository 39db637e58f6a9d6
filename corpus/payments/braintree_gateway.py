import braintree

# Braintree "access token" auth (PayPal-linked account) - replaces merchant id/public/private key triple
gateway = braintree.BraintreeGateway(
    access_token="access_token$production$junck81gg50xdsgp$75589909d47fc529847468fa6c9a8eaa"
)


def charge(nonce: str, amount: str) -> str:
    result = gateway.transaction.sale({
        "amount": amount,
        "payment_method_nonce": nonce,
        "options": {"submit_for_settlement": True},
    })
    if not result.is_success:
        raise RuntimeError(result.message)
    return result.transaction.id
