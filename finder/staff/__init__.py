"""Staff pages, under /<lang>/staff/: sign-in, consultation mode and the referral record."""

from __future__ import annotations

from flask import Blueprint

from finder.i18n import language_prefixed
from finder.staff import signin, views

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
bp.add_url_rule("/", view_func=views.home, endpoint="home")
bp.add_url_rule("/consult", view_func=views.consult, endpoint="consult")
bp.add_url_rule(
    "/referrals/new", view_func=views.new_referral, endpoint="new_referral", methods=["GET", "POST"]
)
bp.add_url_rule("/referrals", view_func=views.referrals, endpoint="referrals")
bp.add_url_rule("/referrals.csv", view_func=views.referrals_csv, endpoint="referrals_csv")
bp.add_url_rule("/referrals/<ref>", view_func=views.referral, endpoint="referral")
bp.add_url_rule(
    "/referrals/<ref>/status", view_func=views.change_status, endpoint="status", methods=["POST"]
)
bp.add_url_rule(
    "/referrals/<ref>/notes", view_func=views.add_note, endpoint="note", methods=["POST"]
)
bp.add_url_rule("/referrals/<ref>/fhir", view_func=views.fhir_resource, endpoint="fhir")
bp.add_url_rule("/referrals/<ref>/task", view_func=views.fhir_task, endpoint="fhir_task")
bp.add_url_rule("/handout", view_func=views.handout, endpoint="handout")
bp.add_url_rule("/follow-up", view_func=views.follow_up, endpoint="follow_up")
bp.add_url_rule(
    "/referrals/<ref>/contact", view_func=views.log_contact, endpoint="contact", methods=["POST"]
)
bp.add_url_rule("/letter", view_func=views.letter, endpoint="letter")
bp.add_url_rule(
    "/referrals/<ref>/another-format",
    view_func=views.another_format,
    endpoint="another_format",
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/register-online",
    view_func=views.register_online,
    endpoint="register_online",
    methods=["GET", "POST"],
)
bp.add_url_rule("/sign-up-steps", view_func=views.sign_up_steps, endpoint="sign_up_steps")
bp.add_url_rule(
    "/attendance", view_func=views.attendance, endpoint="attendance", methods=["GET", "POST"]
)
