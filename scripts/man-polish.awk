# The man page as ArgumentParser's generate-manual writes it, made into clean mdoc: the help text it copies into
# DESCRIPTION keeps its blank lines, HEADINGS and indented lines (examples, the exit-status table), which mdoc
# reads as empty input lines and run-on text. They become paragraphs, bold headings and literal displays.
function close_display() {
    if (in_display) {
        print ".Ed"
        in_display = 0
    }
}
/^$/ { close_display(); print ".Pp"; next }
/^[A-Z][A-Z ]+$/ { close_display(); print ".Sy " $0; next }
/^  / {
    if (!in_display) {
        print ".Bd -literal -offset indent"
        in_display = 1
    }
    line = substr($0, 3)
    gsub(/\\/, "\\e", line)
    print line
    next
}
{ close_display(); print }
END { close_display() }
