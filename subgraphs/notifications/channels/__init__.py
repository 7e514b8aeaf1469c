"""Delivery channels of notifications behind small ports (decision 0024).

Each channel sends one rendered notification to one recipient and raises ``DeliveryFailure``
when it could not; the dispatcher (service/delivery.py) decides whether to retry. Adapters are
chosen from Settings by ``build.build_channels``: email through common.mail (console or SMTP),
SMS through the console or Twilio's Messages API, push through the console or Firebase Cloud
Messaging HTTP v1.
"""
