"""The test model's actions declared once (servicedesk/core/actions.py), with a portal
page, an admin on its own site and an API built from the declaration."""

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST
from rest_framework import viewsets

from servicedesk.core.actions import Action, ActionSet, action_panels, action_run_portal
from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.api.mixins import FSMViewSetMixin

from .apis import JobSerializer
from .models import Job
from .services import job_finish, job_rename, job_start


class StartForm(forms.Form):
    note = forms.CharField(max_length=100, label="Note")


class RenameForm(forms.Form):
    title = forms.CharField(max_length=100)
    urgent = forms.BooleanField(required=False)


JOB_ACTIONS = ActionSet(
    Job,
    [
        Action("start", "Start", job_start, form=StartForm, primary=True, summary="Start"),
        Action("finish", "Finish", job_finish, confirm="Finish the job?"),
        Action(
            "rename",
            "Rename",
            job_rename,
            form=RenameForm,
            permission="testapp.change_job",
            when=lambda job, user: job.state != Job.State.DONE,
            initial=lambda job, user: {"title": job.title},
        ),
    ],
)


class DeclaredJobViewSet(FSMViewSetMixin, viewsets.ModelViewSet):
    serializer_class = JobSerializer
    queryset = Job.objects.none()
    action_set = JOB_ACTIONS

    def get_queryset(self):
        return Job.objects.restrict(self.request.user).order_by("id")


def _page(request, job, *, status=200, failed="", failed_form=None):
    panels = action_panels(JOB_ACTIONS, job, request.user, failed=failed, failed_form=failed_form)
    return render(
        request,
        "testapp_job.html",
        {"object": job, "panels": panels, "action_url": "job-action"},
        status=status,
    )


@login_required
@require_GET
def job_page(request, pk):
    return _page(request, get_object_or_404(Job.objects.restrict(request.user), pk=pk))


@login_required
@require_POST
def job_action(request, pk, name):
    job = get_object_or_404(Job.objects.restrict(request.user), pk=pk)
    return action_run_portal(
        request,
        action_set=JOB_ACTIONS,
        obj=job,
        name=name,
        page=_page,
        reload=lambda: Job.objects.get(pk=pk),
    )


site = admin.AdminSite(name="actions_admin")


@admin.register(Job, site=site)
class JobAdmin(FSMTransitionAdminMixin, admin.ModelAdmin):
    action_set = JOB_ACTIONS
