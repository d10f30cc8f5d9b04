"""Staff pages, under /<lang>/staff/: sign-in, consultation mode and the referral record."""

from __future__ import annotations

from flask import Blueprint

from finder.i18n import language_prefixed
from finder.providers import views as provider
from finder.staff import (
    consultation,
    follow_up,
    outbox,
    printouts,
    referrals,
    register,
    search,
    signin,
)

bp = language_prefixed(Blueprint("staff", __name__, url_prefix="/<lang>/staff"))

bp.add_url_rule("/login", view_func=signin.login, endpoint="login", methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=signin.logout, endpoint="logout", methods=["POST"])
bp.add_url_rule("/two-step", view_func=signin.mfa, endpoint="mfa", methods=["GET", "POST"])
bp.add_url_rule(
    "/two-step/set-up", view_func=signin.mfa_enrol, endpoint="mfa_enrol", methods=["GET", "POST"]
)
bp.add_url_rule(
    "/two-step/change",
    view_func=signin.mfa_confirm,
    endpoint="mfa_confirm",
    methods=["GET", "POST"],
)
bp.add_url_rule("/unlock", view_func=signin.unlock, endpoint="unlock", methods=["GET", "POST"])
bp.add_url_rule("/account", view_func=signin.account, endpoint="account")
bp.add_url_rule(
    "/account/devices/<int:device_id>/forget",
    view_func=signin.forget_device,
    endpoint="forget_device",
    methods=["POST"],
)
bp.add_url_rule("/", view_func=consultation.home, endpoint="home")
bp.add_url_rule("/consult", view_func=consultation.consult, endpoint="consult")
bp.add_url_rule("/outbox", view_func=outbox.outbox, endpoint="outbox")
bp.add_url_rule(
    "/outbox/<int:message_id>/letter.pdf", view_func=outbox.letter, endpoint="message_letter"
)
bp.add_url_rule(
    "/practice/contact",
    view_func=outbox.practice_contact,
    endpoint="practice_contact",
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/referrals/new",
    view_func=referrals.new_referral,
    endpoint="new_referral",
    methods=["GET", "POST"],
)
bp.add_url_rule("/search", view_func=search.search, endpoint="search")
bp.add_url_rule("/referrals", view_func=referrals.referrals, endpoint="referrals")
bp.add_url_rule("/referrals.csv", view_func=referrals.referrals_csv, endpoint="referrals_csv")
bp.add_url_rule("/referrals/<ref>", view_func=referrals.referral, endpoint="referral")
bp.add_url_rule(
    "/referrals/<ref>/status",
    view_func=referrals.change_status,
    endpoint="status",
    methods=["POST"],
)
bp.add_url_rule(
    "/referrals/<ref>/details",
    view_func=referrals.correct,
    endpoint="correct",
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/referrals/<ref>/course-date",
    view_func=referrals.course_run,
    endpoint="course_run",
    methods=["POST"],
)
bp.add_url_rule(
    "/referrals/<ref>/notes", view_func=referrals.add_note, endpoint="note", methods=["POST"]
)
bp.add_url_rule("/referrals/<ref>/fhir", view_func=referrals.fhir_resource, endpoint="fhir")
bp.add_url_rule("/referrals/<ref>/task", view_func=referrals.fhir_task, endpoint="fhir_task")
bp.add_url_rule("/handout", view_func=printouts.handout, endpoint="handout")
bp.add_url_rule("/follow-up", view_func=follow_up.follow_up, endpoint="follow_up")
bp.add_url_rule(
    "/referrals/<ref>/contact",
    view_func=follow_up.log_contact,
    endpoint="contact",
    methods=["POST"],
)
bp.add_url_rule(
    "/referrals/<ref>/next-action",
    view_func=follow_up.next_action,
    endpoint="next_action",
    methods=["POST"],
)
bp.add_url_rule("/letter", view_func=printouts.letter, endpoint="letter")
bp.add_url_rule(
    "/referrals/<ref>/missed-course-letter",
    view_func=follow_up.missed_course_letter,
    endpoint="missed_course_letter",
    methods=["POST"],
)
bp.add_url_rule(
    "/referrals/<ref>/another-format",
    view_func=referrals.another_format,
    endpoint="another_format",
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/register-online",
    view_func=referrals.register_online,
    endpoint="register_online",
    methods=["GET", "POST"],
)
bp.add_url_rule("/sign-up-steps", view_func=printouts.sign_up_steps, endpoint="sign_up_steps")
bp.add_url_rule(
    "/attendance", view_func=follow_up.attendance, endpoint="attendance", methods=["GET", "POST"]
)
bp.add_url_rule("/register", view_func=register.register, endpoint="register")
bp.add_url_rule(
    "/register/import",
    view_func=register.register_import,
    endpoint="register_import",
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/register/sample.csv", view_func=register.register_sample, endpoint="register_sample"
)
bp.add_url_rule(
    "/register/invite",
    view_func=register.register_invite,
    endpoint="register_invite",
    methods=["POST"],
)
bp.add_url_rule(
    "/register/<int:entry_id>",
    view_func=register.register_history,
    endpoint="register_history",
)
bp.add_url_rule(
    "/register/<int:entry_id>/exception",
    view_func=register.register_exception,
    endpoint="register_exception",
    methods=["POST"],
)
bp.add_url_rule(
    "/referrals/<ref>/provider-link",
    view_func=referrals.new_provider_link,
    endpoint="provider_link",
    methods=["POST"],
)
bp.add_url_rule("/inbox", view_func=provider.inbox, endpoint="inbox")
bp.add_url_rule("/inbox/<ref>", view_func=provider.inbox_referral, endpoint="inbox_referral")
bp.add_url_rule(
    "/inbox/<ref>/answer",
    view_func=provider.inbox_answer,
    endpoint="inbox_answer",
    methods=["POST"],
)
