"""Reading mail: MIME structure, charsets, mbox files, limits on hostile input."""

from bot.mail.reader import Attachment, Mail, read_mail, split_mailbox

__all__ = ["Attachment", "Mail", "read_mail", "split_mailbox"]
