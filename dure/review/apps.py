from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "dure.review"
    label = "review"
