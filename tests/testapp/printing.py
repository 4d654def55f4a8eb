from servicedesk.core import printing
from servicedesk.core.printforms import SignatureSlot, register_form

from .models import Job


@register_form(
    Job,
    "job_sheet",
    "作业单",
    slots=[
        SignatureSlot("customer", "客户签字", customer=True),
        SignatureSlot("engineer", "工程师签字", holders=lambda job: [job.owner]),
    ],
    seal=True,
)
def job_sheet(job: Job) -> printing.FormDocument:
    return printing.FormDocument(
        title="作业单",
        number=f"JOB-{job.pk:06d}",
        company=printing.CompanyHeader(name=""),
        record_url="",
        blocks=[printing.KeyValueGrid(rows=[("标题", job.title), ("备注", job.note)])],
    )
