"""Tools for blueprint authors: start one (:mod:`.init`), lint it (:mod:`.lint`), record
and compare its examples' output (:mod:`.golden`), render it from a test
(:mod:`.fixture`, behind the ``scaffold`` pytest fixture).

Each module is imported by the command that uses it: nothing here is loaded by
``import scaffolder`` or ``scaffold --help``.
"""
