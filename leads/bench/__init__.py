"""The speed benchmark of the lead workspace.

``data`` fills a PostgreSQL database with a large, believable data set through COPY
(``manage.py generate_bench_data``); ``measure`` times the pages against it in-process
(``manage.py bench``). Nothing here is used by the running application.
"""
