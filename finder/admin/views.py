"""Admin views: staff accounts. Every change goes through finder/accounts.py (audited)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from finder import accounts
from finder.access import staff
from finder.admin.forms import ROLE_LABELS, AccountForm, RoleForm
from finder.extensions import db
from finder.forms import required
from finder.models import Practice, Provider, User


def _practices() -> list[Practice]:
    return list(db.session.scalars(select(Practice).order_by(Practice.name)))


def _chosen_practice(code: str | None, practices: list[Practice]) -> Practice | None:
    if not code:
        return None
    for practice in practices:
        if practice.code == code:
            return practice
    raise accounts.AccountError("practice", _l("Choose a practice from the list"))


def _providers() -> list[Provider]:
    return list(db.session.scalars(select(Provider).order_by(Provider.name)))


def _chosen_provider(slug: str | None, providers: list[Provider]) -> Provider | None:
    if not slug:
        return None
    for provider in providers:
        if provider.slug == slug:
            return provider
    raise accounts.AccountError("provider", _l("Choose a course provider from the list"))


def _account(user_id: int) -> User:
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    return account


@staff("admin")
def users() -> ResponseReturnValue:
    accounts_list = db.session.scalars(
        select(User)
        .options(selectinload(User.practice), selectinload(User.provider))
        .order_by(User.name, User.id)
    ).all()
    return render_template("admin/users.jinja", users=accounts_list, role_labels=ROLE_LABELS)


@staff("admin")
def new_user() -> ResponseReturnValue:
    practices, providers = _practices(), _providers()
    form = AccountForm()
    form.set_practices(practices, providers)
    if form.validate_on_submit():
        # Shown once, on the page that answers this form, and kept nowhere but as a hash.
        password = accounts.new_password()
        try:
            practice = _chosen_practice(form.practice.data, practices)
            account = accounts.create_user(
                required(form.email.data),
                required(form.name.data),
                required(form.role.data),
                practice,
                password,
                _chosen_provider(form.provider.data, providers),
            )
        except accounts.AccountError as exc:
            form[exc.field].errors = [str(exc)]
        else:
            return render_template("admin/created.jinja", account=account, password=password)
    return render_template("admin/new_user.jinja", form=form, has_error=bool(form.errors))


def _role_form(
    account: User, practices: list[Practice], providers: list[Provider], *, submitted: bool
) -> RoleForm:
    """The role form: as posted, or showing the account's role, practice and provider."""
    form = RoleForm() if submitted else RoleForm(formdata=None)
    form.set_practices(practices, providers)
    if not submitted:
        form.role.data = account.role
        form.practice.data = account.practice.code if account.practice else ""
        form.provider.data = account.provider.slug if account.provider else ""
    return form


def _account_page(account: User, form: RoleForm, problem: str | None = None) -> str:
    return render_template(
        "admin/user.jinja",
        account=account,
        form=form,
        role_labels=ROLE_LABELS,
        problem=problem,
        has_error=bool(form.errors or problem),
    )


@staff("admin")
def user(user_id: int) -> ResponseReturnValue:
    account = _account(user_id)
    practices, providers = _practices(), _providers()
    form = _role_form(account, practices, providers, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            practice = _chosen_practice(form.practice.data, practices)
            provider = _chosen_provider(form.provider.data, providers)
            accounts.set_role(account, form.role.data, practice, provider)
        except accounts.AccountError as exc:
            form[exc.field].errors = [str(exc)]
        else:
            flash(_("Saved. %(name)s is signed out and signs in again with the new role.",
                    name=account.name))  # fmt: skip
            return redirect(url_for(".users"))
    return _account_page(account, form)


def _act(
    user_id: int, change: Callable[[User], None], done: Callable[[User], str]
) -> ResponseReturnValue:
    """A button on the account page: make the change, or show why it was refused."""
    account = _account(user_id)
    try:
        change(account)
    except accounts.AccountError as exc:
        form = _role_form(account, _practices(), _providers(), submitted=False)
        return _account_page(account, form, problem=str(exc))
    flash(done(account))
    return redirect(url_for(".user", user_id=user_id))


@staff("admin")
def disable(user_id: int) -> ResponseReturnValue:
    return _act(
        user_id,
        lambda account: accounts.set_active(account, active=False),
        lambda account: _("%(name)s's account is disabled and signed out everywhere.",
                          name=account.name),
    )  # fmt: skip


@staff("admin")
def enable(user_id: int) -> ResponseReturnValue:
    return _act(
        user_id,
        lambda account: accounts.set_active(account, active=True),
        lambda account: _("%(name)s's account is enabled again.", name=account.name),
    )


@staff("admin")
def reset_two_step(user_id: int) -> ResponseReturnValue:
    return _act(
        user_id,
        accounts.reset_second_factor,
        lambda account: _("%(name)s sets up two-step sign-in again at their next sign-in.",
                          name=account.name),
    )  # fmt: skip
