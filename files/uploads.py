"""The streaming upload handler: size limit while reading, SHA-256 on the fly, the rest left unread."""

import hashlib

from django.core.files.uploadhandler import FileUploadHandler

from core.errors import ApplicationError

# Multipart framing and the other fields besides the file.
ENVELOPE_ALLOWANCE = 64 * 1024


class TooLarge(ApplicationError):
    status = 413
    default_message = "The file is larger than the company's upload limit."


class LimitedUploadHandler(FileUploadHandler):
    """Counts and hashes the file's bytes and stops the upload at the limit (Django reads no further).

    It sits before TemporaryFileUploadHandler: chunks pass through to the temporary file on
    disk, so no upload is ever held whole in memory. A declared Content-Length above the limit
    is refused before a byte of the body is read.
    """

    def __init__(self, *, limit: int, request=None) -> None:
        super().__init__(request)
        self.limit = limit
        self.size = 0
        self.files = 0
        self.sha256 = hashlib.sha256()

    def _refuse(self) -> TooLarge:
        mb = self.limit / (1024 * 1024)
        return TooLarge(
            f"The file is larger than the upload limit of {mb:g} MB.",
            details={"limitBytes": self.limit},
        )

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None) -> None:
        if content_length and content_length > self.limit + ENVELOPE_ALLOWANCE:
            raise self._refuse()

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.files += 1
        self.size = 0
        self.sha256 = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.size += len(raw_data)
        if self.size > self.limit:
            raise self._refuse()
        self.sha256.update(raw_data)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the temporary-file handler after this one returns the file
