"""The one error type the package reports as a JSON `error` event; `field` names the bad job.json field."""


class JobError(Exception):
    """Bad input (job.json, sample, weights): exit code 2, nothing written."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field
