"""Staff pages, under /<lang>/staff/: sign-in, consultation mode and the referral record."""

from __future__ import annotations

from flask import Blueprint

from finder.i18n import language_prefixed
from finder.providers import views as provider
from finder.routing import add_routes
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

add_routes(
    bp,
    [
        # (path, endpoint, view, methods)
        ("/login", "login", signin.login, "GET POST"),
        ("/logout", "logout", signin.logout, "POST"),
        ("/two-step", "mfa", signin.mfa, "GET POST"),
        ("/two-step/set-up", "mfa_enrol", signin.mfa_enrol, "GET POST"),
        ("/two-step/change", "mfa_confirm", signin.mfa_confirm, "GET POST"),
        ("/unlock", "unlock", signin.unlock, "GET POST"),
        ("/account", "account", signin.account, "GET"),
        ("/account/devices/<int:device_id>/forget", "forget_device", signin.forget_device, "POST"),
        ("/", "home", consultation.home, "GET"),
        ("/consult", "consult", consultation.consult, "GET"),
        ("/outbox", "outbox", outbox.outbox, "GET"),
        ("/referrals/new", "new_referral", referrals.new_referral, "GET POST"),
        ("/search", "search", search.search, "GET"),
        ("/referrals", "referrals", referrals.referrals, "GET"),
        ("/referrals.csv", "referrals_csv", referrals.referrals_csv, "GET"),
        ("/referrals/<ref>", "referral", referrals.referral, "GET"),
        ("/referrals/<ref>/status", "status", referrals.change_status, "POST"),
        ("/referrals/<ref>/details", "correct", referrals.correct, "GET POST"),
        ("/referrals/<ref>/course-date", "course_run", referrals.course_run, "POST"),
        ("/referrals/<ref>/notes", "note", referrals.add_note, "POST"),
        ("/referrals/<ref>/fhir", "fhir", referrals.fhir_resource, "GET"),
        ("/referrals/<ref>/task", "fhir_task", referrals.fhir_task, "GET"),
        ("/handout", "handout", printouts.handout, "GET"),
        ("/follow-up", "follow_up", follow_up.follow_up, "GET"),
        ("/referrals/<ref>/contact", "contact", follow_up.log_contact, "POST"),
        ("/referrals/<ref>/next-action", "next_action", follow_up.next_action, "POST"),
        ("/letter", "letter", printouts.letter, "GET"),
        ("/outbox/<int:message_id>/letter.pdf", "message_letter", outbox.letter, "GET"),
        ("/practice/contact", "practice_contact", outbox.practice_contact, "GET POST"),
        (
            "/referrals/<ref>/missed-course-letter",
            "missed_course_letter",
            follow_up.missed_course_letter,
            "POST",
        ),
        ("/referrals/<ref>/another-format", "another_format", referrals.another_format, "GET POST"),
        ("/register-online", "register_online", referrals.register_online, "GET POST"),
        ("/sign-up-steps", "sign_up_steps", printouts.sign_up_steps, "GET"),
        ("/attendance", "attendance", follow_up.attendance, "GET POST"),
        ("/register", "register", register.register, "GET"),
        ("/register/import", "register_import", register.register_import, "GET POST"),
        ("/register/sample.csv", "register_sample", register.register_sample, "GET"),
        ("/register/invite", "register_invite", register.register_invite, "POST"),
        ("/register/<int:entry_id>", "register_history", register.register_history, "GET"),
        (
            "/register/<int:entry_id>/exception",
            "register_exception",
            register.register_exception,
            "POST",
        ),
        ("/referrals/<ref>/provider-link", "provider_link", referrals.new_provider_link, "POST"),
        ("/inbox", "inbox", provider.inbox, "GET"),
        ("/inbox/<ref>", "inbox_referral", provider.inbox_referral, "GET"),
        ("/inbox/<ref>/answer", "inbox_answer", provider.inbox_answer, "POST"),
    ],
)
