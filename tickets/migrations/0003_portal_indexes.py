"""Indexes for the hotline pages and the ticket list (issue 5, ``make bench``).

Listing tickets newest first (the model's default ordering, the API's ticket list)
walks this index instead of sorting every ticket: 0.6 s → 1 ms with 200,000 tickets.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_policies_and_lines")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["-received_at", "-id"], name="ticket_received_desc"),
        ),
    ]
