"""bouncedesk: explains bounced e-mail to the people who receive it."""

__version__ = "0.1.0"
