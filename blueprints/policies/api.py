from flask import Blueprint

api = Blueprint("policies_api", __name__)
