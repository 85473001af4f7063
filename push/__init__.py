"""Telling residents: notifications, delivery, FCM and e-mail channels, broadcasts."""
