"""The channels' benchmark (``manage.py bench_channels``) and what it runs: a Dovecot of
its own (``dovecot``, which the tests use too), the portal emails it puts there
(``mail``), the mailbox poll (``poll``) and the webhook while the worker lags
(``webhook``). Nothing here is used by the running application.
"""
