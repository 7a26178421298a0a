"""Text-to-SQL rewards (Reasoning-SQL style): execution match on SQLite, syntax and schema linking.

One concern per module: :mod:`.database` (where the database comes from; read-only
connections), :mod:`.execute` (running a query with a time and row limit), :mod:`.compare`
(result sets as multisets or ordered), :mod:`.analysis` (sqlglot: parses? reads only? which
tables and columns?), :mod:`.extract` (the query in a completion), :mod:`.reward` (the
``sql`` reward).
"""

from .reward import Sql

__all__ = ["Sql"]
