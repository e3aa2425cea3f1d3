from flask import Blueprint

bp = Blueprint("enterprise_portal", __name__)
