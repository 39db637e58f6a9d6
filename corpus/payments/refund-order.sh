#!/bin/sh
# usage: ./refund-order.sh ch_xxx [amount_in_cents]
# one-off helper used during the March double-charge incident
CHARGE=$1
AMOUNT=${2:-}

curl https://api.stripe.com/v1/refunds \
  -u 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: \
  -d charge="$CHARGE" \
  ${AMOUNT:+-d amount="$AMOUNT"} \
  -d reason=duplicate \
  -d "metadata[incident]"=INC-2291
