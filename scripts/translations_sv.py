"""Swedish translations of the interface, applied to locale/sv/LC_MESSAGES/django.po.

Run after `make messages` with any Python that has polib:
    python scripts/translations_sv.py && msgfmt ... (make messages compiles)
The .po file is the source of truth once filled; this table seeds new strings.
"""

import sys
from pathlib import Path

import polib

SV = {
    "Site": "Webbplats",
    "Which page is it about? (optional)": "Vilken sida gäller det? (frivilligt)",
    "Describe the problem": "Beskriv problemet",
    "Your email, if you want a reply (optional)": "Din e-postadress, om du vill ha svar (frivilligt)",
    "introduction": "introduktion",
    "home page": "startsida",
    "statement": "redogörelse",
    "contact email": "e-post för kontakt",
    "Where people can also write about accessibility problems.": "Dit man också kan skriva om brister i tillgängligheten.",
    "accessibility statement": "tillgänglighetsredogörelse",
    "description of the problem": "beskrivning av problemet",
    "page": "sida",
    "email for a reply": "e-post för svar",
    "reported at": "rapporterad",
    "resolved": "åtgärdad",
    "accessibility report": "rapport om tillgänglighet",
    "accessibility reports": "rapporter om tillgänglighet",
    "Swedish": "Svenska",
    "English": "Engelska",
    "Accessibility reports": "Tillgänglighetsrapporter",
    "Courses": "Kurser",
    "Image": "Bild",
    "Alternative text": "Alternativtext",
    "Describe what the image shows for people who cannot see it. Required.": "Beskriv vad bilden visar för den som inte kan se den. Obligatorisk.",
    "Caption": "Bildtext",
    "Video file": "Videofil",
    "Title": "Rubrik",
    "Captions (WebVTT)": "Undertexter (WebVTT)",
    "Upload the captions as a .vtt document and choose it here.": "Ladda upp undertexterna som ett .vtt-dokument och välj det här.",
    "Captions language": "Undertexternas språk",
    "Transcript": "Textversion",
    "Everything that is said and shown in the video, as text.": "Allt som sägs och visas i filmen, som text.",
    "Video": "Film",
    "Captions must be a WebVTT file (.vtt).": "Undertexterna måste vara en WebVTT-fil (.vtt).",
    "Choose a video file.": "Välj en videofil.",
    "Document": "Dokument",
    "Description": "Beskrivning",
    "Document download": "Dokument att ladda ned",
    "Kind": "Typ",
    "Information": "Information",
    "Warning": "Varning",
    "Text": "Text",
    "Callout": "Faktaruta",
    "Heading": "Rubrik",
    "Content": "Innehåll",
    "Expandable section": "Expanderbart avsnitt",
    "Point": "Punkt",
    "Points": "Punkter",
    "Key points": "Viktigt att komma ihåg",
    "Information material": "Informationsmaterial",
    "name": "namn",
    "slug": "kortnamn",
    "category": "kategori",
    "categories": "kategorier",
    "catalogue": "katalog",
    "summary": "sammanfattning",
    "Shown in the catalogue. One or two sentences.": "Visas i katalogen. En eller två meningar.",
    "learning objectives": "lärandemål",
    "What a learner can do after the course, as a bulleted list.": "Vad deltagaren kan efter kursen, som punktlista.",
    "estimated time (minutes)": "beräknad tid (minuter)",
    "cover image": "omslagsbild",
    "Decorative; it is shown without alternative text.": "Dekorativ; den visas utan alternativtext.",
    "language": "språk",
    "Catalogue details": "Uppgifter i katalogen",
    "course": "kurs",
    "content": "innehåll",
    "required for completion": "krävs för att slutföra",
    "A course is complete when all its required lessons are done. Untick for optional extra material.": "En kurs är slutförd när alla obligatoriska lektioner är klara. Avmarkera för frivilligt extramaterial.",
    "Completion": "Slutförande",
    "lesson": "lektion",
    "estimated reading time (minutes)": "beräknad lästid (minuter)",
    "information material": "informationsmaterial",
    "You must be logged in to record your learning.": "Du måste vara inloggad för att dina framsteg ska sparas.",
    "This course is not published.": "Kursen är inte publicerad.",
    "Must be a whole number from 0 to 100.": "Måste vara ett heltal från 0 till 100.",
    "Must not be negative.": "Får inte vara negativt.",
    "This lesson is not published.": "Lektionen är inte publicerad.",
    "This lesson does not belong to a course.": "Lektionen hör inte till någon kurs.",
    "Learners": "Deltagare",
    "Progress must be a whole number from 0 to 100.": "Framsteg måste vara ett heltal från 0 till 100.",
    "Position must be a whole number from 0 to 100.": "Positionen måste vara ett heltal från 0 till 100.",
    "Seconds must be a whole number.": "Sekunder måste vara ett heltal.",
    "Unknown course.": "Okänd kurs.",
    "HR code": "HR-kod",
    "head": "chef",
    "active": "aktiv",
    "organisational unit": "organisatorisk enhet",
    "organisational units": "organisatoriska enheter",
    "learner": "deltagare",
    "course title": "kursens namn",
    "cycle": "omgång",
    "registration": "registrering",
    "enrolled at": "anmäld",
    "last activity": "senaste aktivitet",
    "completed at": "slutförd",
    "enrolment": "kursdeltagande",
    "enrolments": "kursdeltaganden",
    "lesson title": "lektionens namn",
    "progress (%)": "framsteg (%)",
    "How far the learner has come, 0–100.": "Hur långt deltagaren har kommit, 0–100.",
    "last position (%)": "senaste position (%)",
    "Where the learner was, for resume.": "Var deltagaren var, för att kunna fortsätta.",
    "time spent (seconds)": "använd tid (sekunder)",
    "started at": "påbörjad",
    "updated at": "uppdaterad",
    "lesson progress": "framsteg i lektion",
    "Course completed": "Kurs slutförd",
    "Pending": "Väntar",
    "Sending": "Skickas",
    "Sent": "Skickad",
    "Failed": "Misslyckades",
    "key": "nyckel",
    "kind": "typ",
    "recipient": "mottagare",
    "subject": "ämne",
    "status": "status",
    "created at": "skapad",
    "claimed at": "påbörjad sändning",
    "sent at": "skickad",
    "attempts": "försök",
    "last error": "senaste fel",
    "notification": "avisering",
    "notifications": "aviseringar",
    "You have completed %(course)s": "Du har slutfört %(course)s",
    "Unknown lesson.": "Okänd lektion.",
    "This lesson does not belong to that course.": "Lektionen hör inte till den kursen.",
    "Well done! You have completed the course.": "Bra jobbat! Du har slutfört kursen.",
    "Skip to content": "Hoppa till innehållet",
    "Main menu": "Huvudmeny",
    "Catalogue": "Kurser och information",
    "My learning": "Mitt lärande",
    "Log out": "Logga ut",
    "Log in": "Logga in",
    "Kompetens – competence development for the city's staff": "Kompetens – kompetensutveckling för stadens medarbetare",
    "Accessibility statement": "Tillgänglighetsredogörelse",
    "Report an accessibility problem": "Rapportera brist i tillgängligheten",
    "Email:": "E-post:",
    "Thank you. Your report has been received.": "Tack! Vi har tagit emot din rapport.",
    "Send report": "Skicka rapporten",
    "Browse the catalogue": "Se kurser och information",
    "Your username and password did not match. Please try again.": "Användarnamnet och lösenordet stämmer inte. Försök igen.",
    "Username": "Användarnamn",
    "Password": "Lösenord",
    "Your browser cannot play this video.": "Din webbläsare kan inte spela upp filmen.",
    "Download the video": "Ladda ned filmen",
    "Search and filter the catalogue": "Sök och filtrera bland kurser och information",
    "Search": "Sök",
    "Category": "Kategori",
    "All categories": "Alla kategorier",
    "Language": "Språk",
    "All languages": "Alla språk",
    "Type": "Typ",
    "Courses and information material": "Kurser och informationsmaterial",
    "Show": "Visa",
    "Clear filters": "Rensa filter",
    "Estimated time": "Beräknad tid",
    "Your status": "Din status",
    "Categories:": "Kategorier:",
    "Reading time": "Lästid",
    "Nothing matched. Try other words or clear the filters.": "Inget hittades. Prova andra ord eller rensa filtren.",
    "Breadcrumbs": "Brödsmulor",
    "Completed": "Slutförd",
    "Go through the course again": "Gå igenom kursen igen",
    "Resume": "Fortsätt",
    "Start the course": "Starta kursen",
    "After the course you can": "Efter kursen kan du",
    "Lessons": "Lektioner",
    "Optional": "Frivillig",
    "This course has no lessons yet.": "Kursen har inga lektioner än.",
    "Lesson %(number)s of %(total)s": "Lektion %(number)s av %(total)s",
    "Continue where you left off": "Fortsätt där du slutade",
    "You have completed this lesson.": "Du har slutfört den här lektionen.",
    "Mark as done and continue": "Markera som klar och fortsätt",
    "Mark as done": "Markera som klar",
    "Previous": "Föregående",
    "Course overview": "Kursöversikt",
    "Next": "Nästa",
    "Hello %(name)s,": "Hej %(name)s!",
    'You have completed the course "%(course)s". Well done!': "Du har slutfört kursen ”%(course)s”. Bra jobbat!",
    "Completed:": "Slutförd:",
    "Open the course": "Öppna kursen",
    "The course:": "Kursen:",
    "My learning:": "Mitt lärande:",
    "Please correct the following": "Rätta följande",
    "%(percent)s %% done": "%(percent)s %% klart",
    "In progress": "Pågår",
    "Not started": "Inte påbörjad",
    "You have no courses in progress.": "Du har inga pågående kurser.",
    "Find a course in the catalogue": "Hitta en kurs",
    "Completed courses": "Slutförda kurser",
    "Course": "Kurs",
    "You have not completed any courses yet.": "Du har inte slutfört några kurser än.",
    "Your progress could not be saved": "Dina framsteg kunde inte sparas",
    "Back to the lesson": "Tillbaka till lektionen",
}

SV_PLURAL = {
    "%(counter)s course": ("%(counter)s kurs", "%(counter)s kurser"),
    "%(counter)s information item": (
        "%(counter)s informationsmaterial",
        "%(counter)s informationsmaterial",
    ),
    "%(minutes)s minute": ("%(minutes)s minut", "%(minutes)s minuter"),
}


def main():
    path = Path(__file__).resolve().parents[1] / "locale/sv/LC_MESSAGES/django.po"
    po = polib.pofile(str(path))
    po.metadata["Language"] = "sv"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            if entry.msgid in SV_PLURAL:
                one, many = SV_PLURAL[entry.msgid]
                entry.msgstr_plural = {0: one, 1: many}
            elif not all(entry.msgstr_plural.values()):
                missing.append(entry.msgid)
        elif entry.msgid in SV:
            entry.msgstr = SV[entry.msgid]
        elif not entry.msgstr:
            missing.append(entry.msgid)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    if missing:
        print("Untranslated:", *missing, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
