from flask import Blueprint

api = Blueprint("inspections_api", __name__)
