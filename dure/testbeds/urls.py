from django.urls import path

from dure.testbeds import views

urlpatterns = [
    path("", views.testbeds, name="testbeds"),
    path("<int:testbed_id>/", views.testbed_detail, name="testbed-detail"),
    path("<int:testbed_id>/book/", views.testbed_book, name="testbed-book"),
    path("bookings/", views.my_bookings, name="my-bookings"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking-cancel"),
]
