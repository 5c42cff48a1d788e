"""The one exception a user can cause; the CLI prints its message on one line."""


class ParkingWarehouseError(Exception):
    """A problem with the input or environment, described for the person running the command.

    The message must name what is wrong and where (file, source, table, column, value).
    """
