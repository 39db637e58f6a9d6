import stripe
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

stripe.api_key = "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"
stripe.api_version = "2024-04-10"
STRIPE_WEBHOOK_SECRET = "whsec_cUtxOJp8T26o6PgqtFFRIbeM8qgLZKEE"


def create_checkout(request, plan_id):
    session = stripe.checkout.Session.create(
        mode="subscription",
        line_items=[{"price": settings.PLANS[plan_id], "quantity": 1}],
        success_url=request.build_absolute_uri("/billing/success?session_id={CHECKOUT_SESSION_ID}"),
        cancel_url=request.build_absolute_uri("/billing/"),
        customer_email=request.user.email,
    )
    return JsonResponse({"url": session.url})


@csrf_exempt
def webhook(request):
    sig = request.headers.get("Stripe-Signature")
    try:
        event = stripe.Webhook.construct_event(request.body, sig, STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.error.SignatureVerificationError):
        return HttpResponse(status=400)
    if event["type"] == "invoice.paid":
        handle_invoice_paid(event["data"]["object"])
    return HttpResponse(status=200)
