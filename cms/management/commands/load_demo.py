"""Load realistic Swedish demo content: a home page, the catalogue, two courses
with a quiz each, an information page, the accessibility statement, org units
and demo users.

Safe to run any number of times: every object is looked up first (pages by slug
under their parent, users by username, images, documents and media by title,
org units by HR code, categories by slug) and only what is missing is created.
Nothing that already exists is changed, so editors' changes to the demo survive.
The one exception: a live course whose certificate validity was never set
("no expiry", as on databases loaded before validity existed) gets the demo's
validity, published as a new revision.

Quiz questions and their options get fixed block ids derived from names (see
`block_id`), so that every run and every database has the same ids.

Every asset comes from ``courses/demo_assets/``; nothing is fetched from the
internet.
"""

import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import dateformat, timezone, translation
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.search import index
from wagtail.utils.file import hash_filelike
from wagtailmedia import get_media_model

from assignments.actions.rules import activate_rule
from assignments.models import AssignmentRule
from cms.models import AccessibilityStatementPage, HomePage
from cms.roles import HR_AUTHORS, ensure_hr_admin_group, ensure_hr_author_group
from courses.models import (
    Category,
    CourseIndexPage,
    CoursePage,
    InformationPage,
    LessonPage,
    QuizPage,
)
from courses.validity import Validity
from organisation.models import OrgUnit, StaffProfile

ASSETS_DIR = Path(__file__).resolve().parents[2] / "demo_assets"

# The demo logins' shared password, printed at the end of every run. Demo only.
DEMO_PASSWORD = "kompetens-demo"  # noqa: S105

IT_SERVICEDESK = "08-465 004 50"  # from the range reserved for fiction

CATEGORIES = [
    ("informationssakerhet", "Informationssäkerhet"),
    ("dataskydd-gdpr", "Dataskydd (GDPR)"),
    ("arbetsmiljo", "Arbetsmiljö"),
    ("introduktion-for-nyanstallda", "Introduktion för nyanställda"),
]

USERS = [
    # username, first name, last name, role shown in the summary
    ("anna", "Anna", "Andersson", "learner, with required training"),
    (
        "hr",
        "Helena",
        "Holm",
        f"HR author ({HR_AUTHORS}) and central HR: courses, rules, imports",
    ),
    (
        "chef",
        "Magnus",
        "Lind",
        "manager, head of Avdelningen för äldreomsorg (My team)",
    ),
    ("admin", "Sara", "Ek", "superuser"),
]

DEMO_RULE = "Informationssäkerhet för alla på Södermalm"

ORG_UNITS = [
    # hr_code, name, parent hr_code
    ("SOD", "Södermalms stadsdelsförvaltning", None),
    ("SOD-AO", "Avdelningen för äldreomsorg", "SOD"),
    ("SOD-AO-HT", "Hemtjänst Katarina–Sofia", "SOD-AO"),
    ("SOD-AO-VOB", "Vård- och omsorgsboendet Ringvägen", "SOD-AO"),
]

IMAGES = {
    "cover_security": (
        "omslag-informationssakerhet.png",
        "Omslag: Informationssäkerhet för medarbetare",
    ),
    "cover_gdpr": ("omslag-dataskydd.png", "Omslag: Dataskydd och GDPR i vardagen"),
    "classification": ("klassning.png", "Tre nivåer för att klassa information"),
    "phishing": ("natfiske.png", "Nätfiskemejl med fyra varningstecken"),
    "mfa": (
        "tvastegsverifiering.png",
        "Tvåstegsverifiering: lösenfras och kod i telefonen",
    ),
}

DOCUMENTS = {
    "checklist": (
        "checklista-informationssakerhet-i-vardagen.pdf",
        "Checklista: informationssäkerhet i vardagen",
    ),
    "captions": (
        "tre-vanor-for-saker-information.sv.vtt",
        "Textning (svenska): Tre vanor för säker information",
    ),
}

VIDEO = {
    "file": "tre-vanor-for-saker-information.mp4",
    "thumbnail": "tre-vanor-for-saker-information-poster.jpg",
    "title": "Tre vanor för säker information",
    "duration": 20.0,
    "width": 640,
    "height": 360,
}


# --- Content ---------------------------------------------------------------

HOME_INTRO = (
    "<p>Kompetens är stadens lärplattform för alla medarbetare. Här hittar du "
    "dina obligatoriska utbildningar, kurser som du själv väljer och "
    "informationsmaterial – på datorn, surfplattan eller mobilen. Du kan alltid "
    "fortsätta där du slutade.</p>"
)

CATALOGUE_INTRO = (
    "<p>Sök bland stadens kurser och informationsmaterial och filtrera på "
    "kategori, språk eller typ. Utbildningar som du har fått tilldelade hittar du "
    "också under <b>Mitt lärande</b>.</p>"
)


def accessibility_statement(today):
    return f"""\
<p>Stadsledningskontoret står bakom lärplattformen Kompetens. Vi vill att så många \
som möjligt ska kunna använda den. Här beskriver vi hur Kompetens uppfyller lagen \
(2018:1937) om tillgänglighet till digital offentlig service, eventuella kända \
tillgänglighetsproblem och hur du kan rapportera brister till oss så att vi kan \
åtgärda dem.</p>
<p>Redogörelsen gäller hela lärplattformen: kurskatalogen, kurser och lektioner, \
informationsmaterial, sidan Mitt lärande och inloggningen. Kompetens är ett \
intranät för stadens medarbetare, och lagen gäller även för intranät.</p>
<h2>Hur tillgänglig är webbplatsen?</h2>
<p>Vi känner inte till några delar av Kompetens som inte är tillgängliga. Alla \
videor har textning på svenska och en fullständig textversion, och bilder som \
bär information har alternativtext. Dokument som går att ladda ned är \
tillgänglighetsanpassade PDF-filer.</p>
<h2>Vad kan du göra om du inte kan använda delar av webbplatsen?</h2>
<p>Om du behöver innehåll från Kompetens i ett annat format, till exempel en kurs \
i lättläst form, som uppläst text eller på papper, kan du kontakta oss via \
formuläret längst ned på den här sidan eller via e-post till \
tillganglighet@kompetens.example.se. Vi svarar inom fem arbetsdagar.</p>
<h2>Rapportera brister i webbplatsens tillgänglighet</h2>
<p>Vi strävar hela tiden efter att förbättra tillgängligheten. Om du upptäcker \
problem som inte beskrivs på den här sidan, eller om du anser att vi inte \
uppfyller lagens krav, vill vi gärna veta det så att vi kan åtgärda problemet. \
Använd formuläret längst ned på \
sidan. Beskriv problemet, ange gärna på vilken sida det finns och lämna din \
e-postadress om du vill ha svar. Du behöver inte vara inloggad.</p>
<h2>Tillsyn</h2>
<p>Myndigheten för digital förvaltning (DIGG) har ansvaret för tillsyn över lagen \
om tillgänglighet till digital offentlig service. Om du inte är nöjd med hur vi \
hanterar dina synpunkter kan du \
<a href="https://www.digg.se/tdosanmalan">kontakta Myndigheten för digital \
förvaltning och påtala det</a>.</p>
<h2>Teknisk information om webbplatsens tillgänglighet</h2>
<p>Kompetens är helt förenlig med lagen om tillgänglighet till digital offentlig \
service.</p>
<h3>Innehåll som inte är tillgängligt</h3>
<p>Vi känner inte till något innehåll som inte är tillgängligt. Vi har inte \
heller undantagit något innehåll med hänvisning till oskäligt betungande \
anpassning.</p>
<h2>Hur vi testat webbplatsen</h2>
<p>Vi har gjort en självskattning (intern testning) av Kompetens mot kraven i \
WCAG 2.1 på nivå AA, som är den nivå lagen kräver genom standarden EN 301 549.</p>
<ul>
<li><b>Automatiserad testning:</b> alla sidtyper testas med verktyget axe i en \
webbläsare vid varje ändring av plattformens kod.</li>
<li><b>Manuell testning med tangentbord:</b> vi har gått igenom kurskatalogen, \
kurser, lektioner, informationsmaterial, Mitt lärande, inloggningen och den här \
sidan med enbart tangentbord och kontrollerat att allt går att nå och använda, \
att fokus alltid syns och att fokusordningen är logisk.</li>
</ul>
<p>Innehåll som HR-redaktörerna publicerar kontrolleras dessutom i \
redigeringsverktyget: en bild kan inte publiceras utan alternativtext och en video \
inte utan textning och textversion.</p>
<p>Senaste bedömningen gjordes den {today}.</p>
<p>Webbplatsen publicerades den {today}. Redogörelsen uppdaterades senast den \
{today}.</p>"""


SECURITY_COURSE = {
    "slug": "informationssakerhet-for-medarbetare",
    "title": "Informationssäkerhet för medarbetare",
    "summary": (
        "Grundkursen för alla som arbetar i staden: hur du skyddar information, "
        "känner igen nätfiske, hanterar lösenord och rapporterar incidenter."
    ),
    "objectives": (
        "<ul>"
        "<li>förklara varför informationssäkerhet är viktigt för stadens "
        "verksamhet och för invånarna</li>"
        "<li>klassa information som öppen, intern eller konfidentiell och hantera "
        "den därefter</li>"
        "<li>känna igen nätfiske och andra försök till social manipulation</li>"
        "<li>skapa en säker lösenfras och använda tvåstegsverifiering</li>"
        "<li>rapportera en misstänkt incident snabbt och till rätt mottagare</li>"
        "</ul>"
    ),
    "estimated_minutes": 40,
    "categories": ["informationssakerhet", "introduktion-for-nyanstallda"],
    "cover": "cover_security",
    "validity": {"validity_kind": Validity.Kind.MONTHS, "validity_months": 12},
}


def security_lessons(a):
    """The five lessons of the information security course. `a` maps asset
    keys to the imported images, documents and the video."""
    return [
        {
            "slug": "varfor-informationssakerhet",
            "title": "Varför informationssäkerhet?",
            "estimated_minutes": 7,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>Staden hanterar varje dag stora mängder information "
                        "om de människor vi finns till för: barn i förskola och "
                        "skola, äldre som har hemtjänst, personer som får "
                        "ekonomiskt bistånd och företag som söker tillstånd. Mycket "
                        "av informationen är allmänna handlingar som ska kunna "
                        "lämnas ut, men en del omfattas av sekretess och kan skada "
                        "enskilda personer om den hamnar i fel händer.</p>"
                        "<p>Informationssäkerhet handlar om att ge informationen "
                        "rätt skydd. Den ska ha rätt <b>konfidentialitet</b> – "
                        "bara de som ska kan ta del av den, rätt <b>riktighet</b> "
                        "– den är korrekt och har inte ändrats av misstag eller "
                        "med avsikt, och rätt <b>tillgänglighet</b> – den finns "
                        "där när den behövs. En journalanteckning som läcker, ett "
                        "beslut som ändrats av obehöriga och ett verksamhetssystem "
                        "som ligger nere i en vecka är alla brister i "
                        "informationssäkerheten.</p>"
                        "<h2>Det handlar om förtroende</h2>"
                        "<p>Under de senaste åren har flera svenska kommuner och "
                        "regioner drabbats av it-attacker där angripare krypterat "
                        "system och krävt en lösensumma. Följderna har blivit "
                        "stora: e-tjänster har varit stängda, löner har fått "
                        "betalas ut manuellt och personal i skola och omsorg har "
                        "arbetat med papper och penna i veckor. Invånarnas "
                        "förtroende för staden bygger på att vi tar hand om deras "
                        "uppgifter på ett säkert sätt.</p>"
                        "<p>Tekniken – brandväggar, virusskydd och "
                        "säkerhetskopior – tar hand om mycket. Men de flesta "
                        "incidenter börjar med en människa: ett klick på en länk i "
                        "ett falskt mejl, ett lösenord som återanvänts eller en "
                        "dator som lämnats olåst. Därför är informationssäkerhet "
                        "allas ansvar, oavsett om du arbetar i en förskola, på ett "
                        "kontor eller ute hos brukare.</p>"
                        "<h2>Lagar och regler</h2>"
                        "<p>Flera lagar styr hur staden får hantera information. "
                        "Offentlighets- och sekretesslagen avgör vad som är "
                        "offentligt och vad som omfattas av sekretess. "
                        "Dataskyddsförordningen (GDPR) reglerar hur vi behandlar "
                        "personuppgifter. Dessutom har staden en "
                        "informationssäkerhetspolicy med riktlinjer som gäller för "
                        "alla förvaltningar och bolag. Den här kursen går igenom "
                        "det du behöver kunna i vardagen.</p>"
                    ),
                },
                {
                    "type": "video",
                    "value": {
                        "video": a["video"].pk,
                        "title": "Tre vanor för säker information",
                        "captions": a["captions"].pk,
                        "captions_language": "sv",
                        "transcript": (
                            "<p><i>Videon är 20 sekunder lång och har inget ljud. "
                            "Den visar fyra textskyltar i fem sekunder var, med "
                            "vit och gul text mot blå bakgrund.</i></p>"
                            "<ol>"
                            "<li>Tre vanor för säker information. Kompetens – "
                            "informationssäkerhet.</li>"
                            "<li>Ett: lås datorn när du går ifrån den. Tryck på "
                            "Windows-tangenten och L.</li>"
                            "<li>Två: klicka inte på oväntade länkar. Kontrollera "
                            "avsändaren först.</li>"
                            "<li>Tre: rapportera incidenter direkt. Hellre en "
                            "anmälan för mycket än en för lite.</li>"
                            "</ol>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Att ta med dig",
                        "points": [
                            "Informationssäkerhet handlar om konfidentialitet, "
                            "riktighet och tillgänglighet.",
                            "De flesta incidenter börjar med ett mänskligt "
                            "misstag, inte med tekniken.",
                            "Informationssäkerhet är allas ansvar, i alla yrken i "
                            "staden.",
                        ],
                    },
                },
            ],
        },
        {
            "slug": "klassa-information",
            "title": "Klassa information: öppen, intern, konfidentiell",
            "estimated_minutes": 9,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>All information behöver inte samma skydd. En "
                        "lunchmeny kan läggas ut på webben, medan en utredning om "
                        "ett barn bara får läsas av de handläggare som arbetar med "
                        "ärendet. För att skyddet ska bli lagom – varken för svagt "
                        "eller så krångligt att det hindrar arbetet – klassar "
                        "staden information i tre nivåer.</p>"
                        "<h2>Öppen</h2>"
                        "<p>Öppen information får spridas fritt, både inom och "
                        "utanför staden. Det gäller till exempel beslut i "
                        "nämnderna, pressmeddelanden, öppettider och innehållet på "
                        "stadens webbplats. Även öppen information behöver vara "
                        "korrekt: riktigheten är viktig också när "
                        "konfidentialiteten inte är det.</p>"
                        "<h2>Intern</h2>"
                        "<p>Intern information är till för stadens medarbetare. "
                        "Den är inte hemlig i lagens mening – den kan ofta begäras "
                        "ut som allmän handling – men den ska inte spridas utan "
                        "eftertanke. Hit hör interna rutiner, mötesanteckningar, "
                        "utkast och det mesta på intranätet. Dela den i stadens "
                        "egna system och inte i privata tjänster.</p>"
                        "<h2>Konfidentiell</h2>"
                        "<p>Konfidentiell information omfattas av sekretess eller "
                        "är känslig av andra skäl, till exempel uppgifter om "
                        "hälsa, sociala förhållanden och skyddade "
                        "personuppgifter. Den får bara hanteras av den som behöver "
                        "den i sitt arbete och bara i system som är godkända för "
                        "konfidentiell information. Skicka den aldrig med vanlig "
                        "e-post och skriv aldrig ut den på en skrivare där andra "
                        "kan hämta utskriften.</p>"
                    ),
                },
                {
                    "type": "image",
                    "value": {
                        "image": a["classification"].pk,
                        "alt_text": (
                            "Tre kolumner. Öppen (grön): till exempel nämndbeslut "
                            "och pressmeddelanden, får spridas fritt. Intern "
                            "(gul): rutiner och mötesanteckningar, bara för "
                            "anställda. Konfidentiell (röd): personakter och "
                            "hälsouppgifter, kräver behörighet."
                        ),
                        "caption": "Informationsklassning i staden: tre nivåer "
                        "med exempel.",
                    },
                },
                {
                    "type": "callout",
                    "value": {
                        "kind": "info",
                        "title": "Osäker på klassningen?",
                        "text": (
                            "<p>Utgå från den högsta nivå som kan vara aktuell och "
                            "fråga din chef eller verksamhetens "
                            "informationssäkerhetssamordnare. Det är lättare att "
                            "sänka skyddet i efterhand än att ta tillbaka "
                            "information som redan har spridits.</p>"
                        ),
                    },
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Vad betyder sekretess?",
                        "content": (
                            "<p>Huvudregeln i Sverige är offentlighet: allmänna "
                            "handlingar ska lämnas ut till den som begär det. "
                            "Offentlighets- och sekretesslagen (2009:400) anger "
                            "undantagen. Sekretess innebär ett förbud att röja en "
                            "uppgift, muntligt, genom att lämna ut en handling "
                            "eller på något annat sätt.</p>"
                            "<p>Sekretessen gäller även mellan olika verksamheter i "
                            "staden. En medarbetare i skolan får alltså inte utan "
                            "vidare ta del av uppgifter hos socialtjänsten, även "
                            "om båda arbetar i samma stadsdelsförvaltning. När "
                            "någon begär ut en handling gör den som ansvarar för "
                            "handlingen alltid en sekretessprövning innan något "
                            "lämnas ut.</p>"
                        ),
                    },
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Exempel: mejlet från en vårdnadshavare",
                        "content": (
                            "<p>En vårdnadshavare mejlar förskolan och berättar om "
                            "sitt barns diagnos och om en pågående vårdnadstvist. "
                            "Mejlet innehåller uppgifter om hälsa och om "
                            "familjens förhållanden. Det är konfidentiell "
                            "information, även om det kom in med vanlig "
                            "e-post.</p>"
                            "<ul>"
                            "<li>Spara uppgifterna i det system som verksamheten "
                            "använder för sådana handlingar och radera mejlet ur "
                            "inkorgen.</li>"
                            "<li>Vidarebefordra inte mejlet till kollegor som inte "
                            "behöver uppgifterna.</li>"
                            "<li>Svara kort och berätta hur vårdnadshavaren kan "
                            "lämna känsliga uppgifter på ett säkert sätt i "
                            "fortsättningen.</li>"
                            "</ul>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Att ta med dig",
                        "points": [
                            "Öppen information får spridas fritt men ska vara korrekt.",
                            "Intern information stannar i stadens system och "
                            "delas med eftertanke.",
                            "Konfidentiell information hanteras bara av behöriga "
                            "och aldrig i vanlig e-post.",
                            "Är du osäker – välj den högre nivån och fråga.",
                        ],
                    },
                },
            ],
        },
        {
            "slug": "natfiske-och-social-manipulation",
            "title": "Nätfiske och social manipulation",
            "estimated_minutes": 9,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>Nätfiske (phishing) är bedrägliga meddelanden som ska "
                        "lura dig att klicka på en länk, öppna en bilaga eller "
                        "lämna ut ditt lösenord. Avsändaren utger sig ofta för att "
                        "vara någon du litar på: IT-support, en chef, en "
                        "leverantör, Skatteverket eller ett paketbud. Meddelandena "
                        "kommer oftast med e-post men också som sms, i chattar och "
                        "i sociala medier.</p>"
                        "<p>Förr var det lätt att känna igen falska mejl på dålig "
                        "svenska. I dag skrivs många med hjälp av AI-verktyg och "
                        "kan vara helt felfria, med rätt logotyp och med namn på "
                        "riktiga kollegor. Titta därför på vad meddelandet vill att "
                        "du ska göra, inte bara på hur det ser ut.</p>"
                        "<h2>Varningstecken</h2>"
                        "<ul>"
                        "<li><b>Avsändaren stämmer inte.</b> Adressen liknar "
                        "stadens men är stavad lite fel eller har en annan "
                        "domän.</li>"
                        "<li><b>Brådska eller hot.</b> ”Ditt konto stängs i dag”, "
                        "”fakturan måste betalas inom en timme”.</li>"
                        "<li><b>Du ombeds lämna ut något.</b> Lösenord, "
                        "engångskoder, bankuppgifter eller uppgifter om "
                        "brukare.</li>"
                        "<li><b>Länken leder någon annanstans.</b> Håll "
                        "muspekaren över länken utan att klicka och läs vilken "
                        "adress som visas.</li>"
                        "<li><b>Oväntade bilagor.</b> Särskilt filer som kräver "
                        "att du ”aktiverar innehåll” eller loggar in för att se "
                        "dem.</li>"
                        "</ul>"
                    ),
                },
                {
                    "type": "image",
                    "value": {
                        "image": a["phishing"].pk,
                        "alt_text": (
                            "Ett mejl från ”IT-support” med adressen "
                            "it-support@stadeen-login.com och ämnet ”BRÅDSKANDE! "
                            "Ditt konto stängs idag”. Fyra varningstecken är "
                            "markerade: fel domän, brådska och hot, begäran om "
                            "lösenord och en länk till okänd sida."
                        ),
                        "caption": "Ett typiskt nätfiskemejl. Siffrorna visar "
                        "varningstecknen.",
                    },
                },
                {
                    "type": "text",
                    "value": (
                        "<h2>Social manipulation</h2>"
                        "<p>Social manipulation (social engineering) är "
                        "samlingsnamnet för metoder där angriparen utnyttjar vår "
                        "vilja att vara hjälpsamma. Det kan vara ett "
                        "telefonsamtal från någon som säger sig vara från "
                        "IT-support och behöver din engångskod ”för att laga ett "
                        "fel”, eller ett mejl som ser ut att komma från "
                        "förvaltningsdirektören och ber dig att snabbt betala en "
                        "faktura. Stadens IT-support ber dig aldrig om ditt "
                        "lösenord eller om en kod från din autentiseringsapp.</p>"
                        "<p>Det är aldrig oartigt att kontrollera. Ring tillbaka "
                        "på ett nummer som du själv har tagit fram, till exempel "
                        "från stadens telefonkatalog, eller fråga kollegan på ett "
                        "annat sätt än det meddelandet kom genom.</p>"
                    ),
                },
                {
                    "type": "callout",
                    "value": {
                        "kind": "warning",
                        "title": "Har du redan klickat?",
                        "text": (
                            "<p>Det kan hända vem som helst. Det viktiga är att du "
                            "agerar snabbt:</p>"
                            "<ul>"
                            f"<li>Ring IT-servicedesk på {IT_SERVICEDESK} och "
                            "berätta vad som hände.</li>"
                            "<li>Har du skrivit in ditt lösenord – byt det "
                            "direkt.</li>"
                            "<li>Radera inte mejlet; servicedesk kan behöva det "
                            "för att spåra attacken.</li>"
                            "</ul>"
                        ),
                    },
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Exempel: den falska direktören",
                        "content": (
                            "<p>En ekonomiassistent får ett mejl från "
                            "”förvaltningsdirektören”: <i>Jag sitter i möte och "
                            "kan inte prata. En leverantör måste få betalt i dag, "
                            "annars stoppas leveransen. Betala bifogade faktura "
                            "och håll det här för dig själv tills vidare.</i></p>"
                            "<p>Avsändaradressen ser rätt ut vid en snabb blick. "
                            "Varningstecknen är brådskan, kravet på diskretion "
                            "och att den vanliga attestordningen ska kringgås. "
                            "Rätt sätt att agera är att kontrollera med "
                            "direktören per telefon, följa den ordinarie rutinen "
                            "för betalningar och rapportera mejlet som misstänkt "
                            "nätfiske.</p>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Att ta med dig",
                        "points": [
                            "Titta på vad meddelandet vill att du ska göra, inte "
                            "bara på hur det ser ut.",
                            "Lämna aldrig ut lösenord eller engångskoder, inte "
                            "heller till IT-support.",
                            "Kontrollera via en annan kanal när något känns "
                            "brådskande eller ovanligt.",
                            "Har du klickat? Rapportera direkt – det begränsar skadan.",
                        ],
                    },
                },
            ],
        },
        {
            "slug": "losenord-och-tvastegsverifiering",
            "title": "Lösenord och tvåstegsverifiering",
            "estimated_minutes": 8,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>Ditt lösenord är nyckeln till stadens system och till "
                        "den information du har behörighet till. Den som får tag "
                        "på det kan göra allt du kan göra: läsa din e-post, öppna "
                        "ärenden och skicka meddelanden i ditt namn.</p>"
                        "<h2>Långt slår krångligt</h2>"
                        "<p>Ett långt lösenord är svårare att knäcka än ett kort "
                        "och krångligt. Använd gärna en lösenfras: några ord som "
                        "du kan komma ihåg men som andra inte kan gissa. Stadens "
                        "krav är minst 14 tecken.</p>"
                        "<ul>"
                        "<li>Använd aldrig samma lösenord i jobbet som privat. "
                        "Läcker ett privat konto prövar angripare samma lösenord "
                        "överallt.</li>"
                        "<li>Använd stadens lösenordshanterare om du har många "
                        "konton i arbetet.</li>"
                        "<li>Skriv inte upp lösenordet på en lapp vid datorn och "
                        "dela det aldrig med någon, inte ens med din chef eller "
                        "med IT-support.</li>"
                        "</ul>"
                    ),
                },
                {
                    "type": "callout",
                    "value": {
                        "kind": "info",
                        "title": "Så skapar du en bra lösenfras",
                        "text": (
                            "<p>Välj fyra ord som inte hör ihop, till exempel "
                            "<b>kanel trumpet vinter pendel</b>, och lägg gärna "
                            "till en siffra eller ett tecken någonstans. Undvik "
                            "ord som går att koppla till dig, som namn på barn, "
                            "husdjur eller favoritlag. Och använd förstås inte "
                            "exemplet här.</p>"
                        ),
                    },
                },
                {
                    "type": "image",
                    "value": {
                        "image": a["mfa"].pk,
                        "alt_text": (
                            "Två steg vid inloggning: 1. något du vet – din "
                            "lösenfras, och 2. något du har – en telefon där "
                            "autentiseringsappen visar en engångskod. Text: "
                            "Godkänn bara inloggningar som du själv har startat."
                        ),
                        "caption": "Tvåstegsverifiering kombinerar något du vet "
                        "med något du har.",
                    },
                },
                {
                    "type": "text",
                    "value": (
                        "<h2>Tvåstegsverifiering</h2>"
                        "<p>Med tvåstegsverifiering, även kallad "
                        "multifaktorautentisering, räcker det inte med lösenordet "
                        "för att logga in. Du bekräftar också med något du har, "
                        "oftast en autentiseringsapp i telefonen eller ett "
                        "SITHS-kort. Även om någon kommer över ditt lösenord kan "
                        "hen då inte logga in som du.</p>"
                        "<p>Staden kräver tvåstegsverifiering när du loggar in "
                        "utanför stadens nätverk och i alla system med "
                        "konfidentiell information. Ha telefonen med dig och "
                        "kontakta IT-servicedesk i god tid innan du byter telefon, "
                        "så att du inte blir utelåst.</p>"
                    ),
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Varför ska jag neka inloggningar som jag inte "
                        "känner igen?",
                        "content": (
                            "<p>Angripare som redan har ett lösenord försöker "
                            "ibland logga in gång på gång, i hopp om att den "
                            "drabbade till slut trycker på <b>Godkänn</b> för att "
                            "notiserna ska sluta. Det kallas ibland "
                            "MFA-trötthet.</p>"
                            "<p>Godkänn aldrig en inloggning som du inte själv "
                            "har startat. Tryck på <b>Neka</b>, byt lösenord och "
                            "rapportera händelsen till IT-servicedesk – någon har "
                            "sannolikt ditt lösenord.</p>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Att ta med dig",
                        "points": [
                            "Använd en lång lösenfras på minst 14 tecken.",
                            "Ha olika lösenord i jobbet och privat.",
                            "Dela aldrig lösenord eller engångskoder med någon.",
                            "Godkänn bara inloggningar som du själv har startat.",
                        ],
                    },
                },
            ],
        },
        {
            "slug": "rapportera-incidenter",
            "title": "Rapportera incidenter",
            "estimated_minutes": 7,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>En informationssäkerhetsincident är en händelse som "
                        "har påverkat, eller hade kunnat påverka, informationens "
                        "konfidentialitet, riktighet eller tillgänglighet. Den kan "
                        "vara stor eller liten: ett klick på en länk i ett "
                        "nätfiskemejl, en borttappad mobil, ett mejl med "
                        "personuppgifter som skickats till fel mottagare eller en "
                        "pärm som glömts kvar på bussen.</p>"
                        "<p>Ju tidigare en incident rapporteras, desto mer kan "
                        "göras för att begränsa skadan. Ett konto kan spärras, en "
                        "borttappad telefon kan raderas på distans och mottagaren "
                        "av ett felskickat mejl kan ombes att radera det. Gäller "
                        "incidenten personuppgifter kan staden dessutom behöva "
                        "anmäla den till Integritetsskyddsmyndigheten (IMY) inom "
                        "72 timmar.</p>"
                        "<h2>Så rapporterar du</h2>"
                        "<ol>"
                        f"<li>Ring IT-servicedesk på {IT_SERVICEDESK} om det är "
                        "bråttom, till exempel om du har lämnat ut ditt lösenord "
                        "eller tappat en enhet. Servicedesk svarar dygnet "
                        "runt.</li>"
                        "<li>Rapportera i övriga fall i incidentformuläret på "
                        "intranätet.</li>"
                        "<li>Berätta vad som har hänt, när det hände och vilken "
                        "information som kan vara påverkad.</li>"
                        "<li>Informera din chef.</li>"
                        "</ol>"
                        "<p>Ingen blir straffad för att ha rapporterat en "
                        "incident, inte heller när den berodde på ett eget "
                        "misstag. Det som skadar verksamheten är de incidenter som "
                        "ingen känner till.</p>"
                    ),
                },
                {
                    "type": "callout",
                    "value": {
                        "kind": "warning",
                        "title": "Vänta inte",
                        "text": (
                            "<p>Rapportera även när du är osäker på om det "
                            "verkligen är en incident. Hellre en anmälan för "
                            "mycket än en för lite.</p>"
                        ),
                    },
                },
                {
                    "type": "document",
                    "value": {
                        "document": a["checklist"].pk,
                        "description": "En sida att skriva ut eller spara: tolv "
                        "vanor som skyddar stadens information.",
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Hela kursen i korthet",
                        "points": [
                            "Skydda information efter dess klassning: öppen, "
                            "intern eller konfidentiell.",
                            "Var misstänksam mot brådskande meddelanden som ber "
                            "dig klicka eller lämna ut något.",
                            "Använd en lång lösenfras och tvåstegsverifiering.",
                            "Rapportera incidenter direkt, till IT-servicedesk och "
                            "till din chef.",
                        ],
                    },
                },
            ],
        },
    ]


GDPR_COURSE = {
    "slug": "dataskydd-och-gdpr-i-vardagen",
    "title": "Dataskydd och GDPR i vardagen",
    "summary": (
        "Vad dataskyddsförordningen betyder i ditt dagliga arbete: vad en "
        "personuppgift är, när staden får behandla den och vad du gör om något "
        "går fel."
    ),
    "objectives": (
        "<ul>"
        "<li>känna igen personuppgifter och känsliga personuppgifter</li>"
        "<li>förklara de grundläggande principerna i dataskyddsförordningen</li>"
        "<li>veta vilka rättigheter de registrerade har och vart du hänvisar "
        "dem</li>"
        "<li>veta vad du gör vid en personuppgiftsincident</li>"
        "</ul>"
    ),
    "estimated_minutes": 25,
    "categories": ["dataskydd-gdpr"],
    "cover": "cover_gdpr",
    # Valid until the end of the year; someone completing in the last 60 days
    # of a year is valid until the end of the next one.
    "validity": {
        "validity_kind": Validity.Kind.YEARLY,
        "validity_yearly_month": 12,
        "validity_yearly_day": 31,
        "validity_minimum_days": 60,
    },
}


def gdpr_lessons(a):
    return [
        {
            "slug": "vad-ar-en-personuppgift",
            "title": "Vad är en personuppgift?",
            "estimated_minutes": 6,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>En personuppgift är all slags information som direkt "
                        "eller indirekt kan kopplas till en levande person. Det "
                        "självklara är namn och personnummer, men även en adress, "
                        "ett telefonnummer, en bild, en röstinspelning, ett "
                        "ärendenummer eller en IP-adress kan vara personuppgifter "
                        "om de tillsammans med annan information går att koppla "
                        "till en person.</p>"
                        "<p>Nästan allt arbete i staden innebär att "
                        "personuppgifter behandlas. ”Behandling” är ett brett "
                        "begrepp: att samla in, registrera, läsa, ändra, skicka, "
                        "lagra och radera uppgifter är alla behandlingar. Det "
                        "gäller oavsett om uppgifterna finns i ett "
                        "verksamhetssystem, i ett mejl, i ett kalkylark eller på "
                        "en lapp på skrivbordet.</p>"
                    ),
                },
                {
                    "type": "callout",
                    "value": {
                        "kind": "info",
                        "title": "Känsliga personuppgifter",
                        "text": (
                            "<p>Vissa uppgifter kräver extra försiktighet och får "
                            "bara behandlas i undantagsfall:</p>"
                            "<ul>"
                            "<li>hälsa, sexualliv och sexuell läggning</li>"
                            "<li>etniskt ursprung, politiska åsikter och religiös "
                            "eller filosofisk övertygelse</li>"
                            "<li>medlemskap i fackförening</li>"
                            "<li>genetiska uppgifter och biometriska uppgifter "
                            "som används för att identifiera någon</li>"
                            "</ul>"
                            "<p>Uppgifter om lagöverträdelser har också ett "
                            "särskilt skydd.</p>"
                        ),
                    },
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Är personnummer känsliga personuppgifter?",
                        "content": (
                            "<p>Nej, inte enligt dataskyddsförordningens "
                            "definition. Men enligt dataskyddslagen får "
                            "personnummer bara användas när det är klart "
                            "motiverat med hänsyn till ändamålet, vikten av en "
                            "säker identifiering eller något annat beaktansvärt "
                            "skäl. Använd därför hellre namn eller ärendenummer "
                            "när det räcker, till exempel i mejl och "
                            "mötesanteckningar.</p>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Att ta med dig",
                        "points": [
                            "En personuppgift är all information som kan kopplas "
                            "till en levande person.",
                            "Att läsa, skicka och spara uppgifter är också behandling.",
                            "Känsliga personuppgifter och personnummer kräver "
                            "extra försiktighet.",
                        ],
                    },
                },
            ],
        },
        {
            "slug": "principerna-i-dataskyddsforordningen",
            "title": "Principerna i dataskyddsförordningen",
            "estimated_minutes": 8,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>Dataskyddsförordningen (GDPR) gäller i hela EU sedan "
                        "2018. Den bygger på några grundläggande principer som "
                        "alltid gäller när staden behandlar personuppgifter. Du "
                        "behöver inte kunna lagtexten, men principerna hjälper dig "
                        "att göra rätt i vardagen.</p>"
                        "<h2>Sex principer att känna till</h2>"
                        "<ol>"
                        "<li><b>Laglighet, korrekthet och öppenhet.</b> Det måste "
                        "finnas en rättslig grund för behandlingen, och den "
                        "registrerade ska få veta vad som händer med "
                        "uppgifterna.</li>"
                        "<li><b>Ändamålsbegränsning.</b> Uppgifter som samlats in "
                        "för ett syfte får inte användas för något helt "
                        "annat.</li>"
                        "<li><b>Uppgiftsminimering.</b> Samla bara in de "
                        "uppgifter som verkligen behövs.</li>"
                        "<li><b>Korrekthet.</b> Uppgifterna ska vara riktiga och "
                        "uppdaterade.</li>"
                        "<li><b>Lagringsminimering.</b> Uppgifterna ska inte "
                        "sparas längre än nödvändigt. Följ verksamhetens "
                        "informationshanteringsplan, som anger vad som ska "
                        "bevaras och vad som ska gallras.</li>"
                        "<li><b>Integritet och konfidentialitet.</b> Uppgifterna "
                        "ska skyddas mot obehörig åtkomst, förlust och "
                        "förstörelse.</li>"
                        "</ol>"
                        "<p>Dessutom gäller <b>ansvarsskyldighet</b>: staden ska "
                        "kunna visa att principerna följs. Därför finns "
                        "registerförteckningar, konsekvensbedömningar och rutiner "
                        "som du kan behöva följa i ditt arbete.</p>"
                    ),
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Vilken rättslig grund använder staden?",
                        "content": (
                            "<p>Samtycke används sällan i offentlig verksamhet, "
                            "eftersom den enskilde ofta är beroende av "
                            "myndigheten och samtycket då inte blir helt "
                            "frivilligt. Staden stödjer sig i stället oftast på "
                            "att behandlingen är nödvändig för att utföra en "
                            "<b>uppgift av allmänt intresse</b> eller som ett led "
                            "i <b>myndighetsutövning</b>, eller för att fullgöra "
                            "en <b>rättslig förpliktelse</b>, till exempel "
                            "kraven på dokumentation i socialtjänsten.</p>"
                        ),
                    },
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Exempel: kalkylarket med brukare",
                        "content": (
                            "<p>En enhetschef vill göra ett kalkylark med alla "
                            "brukares namn, adress, personnummer och diagnos för "
                            "att planera sommarens schema. Här är det bra att "
                            "stanna upp: behövs diagnos och personnummer för "
                            "schemaläggningen? Troligen räcker namn och "
                            "adress.</p>"
                            "<p>Kalkylarket ska sparas i stadens system, inte på "
                            "datorns skrivbord eller i en privat molntjänst, och "
                            "raderas när schemat inte längre behövs.</p>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Att ta med dig",
                        "points": [
                            "Samla bara in det som behövs och använd det bara för "
                            "det avsedda syftet.",
                            "Spara inte uppgifter längre än nödvändigt.",
                            "Skydda uppgifterna och kunna visa att reglerna följs.",
                        ],
                    },
                },
            ],
        },
        {
            "slug": "de-registrerades-rattigheter",
            "title": "De registrerades rättigheter",
            "estimated_minutes": 6,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p>Den som staden behandlar personuppgifter om kallas i "
                        "dataskyddsförordningen för <i>den registrerade</i>. Det "
                        "kan vara en invånare, en elev, en brukare eller en "
                        "kollega. De registrerade har ett antal rättigheter som "
                        "staden måste kunna tillgodose.</p>"
                        "<ul>"
                        "<li><b>Rätt till information</b> om vilka uppgifter som "
                        "behandlas, varför och hur länge.</li>"
                        "<li><b>Rätt till tillgång</b>, det vill säga att få ett "
                        "registerutdrag med de uppgifter som staden "
                        "behandlar.</li>"
                        "<li><b>Rätt till rättelse</b> av felaktiga "
                        "uppgifter.</li>"
                        "<li><b>Rätt till radering</b> i vissa fall. För "
                        "myndigheter begränsas den rätten ofta av reglerna om "
                        "arkiv och bevarande.</li>"
                        "<li><b>Rätt att invända</b> mot behandling som grundar "
                        "sig på allmänt intresse eller myndighetsutövning.</li>"
                        "</ul>"
                        "<p>Staden ska svara på en begäran utan onödigt dröjsmål "
                        "och senast inom en månad. Därför är det viktigt att en "
                        "begäran snabbt kommer till rätt mottagare.</p>"
                    ),
                },
                {
                    "type": "callout",
                    "value": {
                        "kind": "info",
                        "title": "Om någon ber om sina uppgifter",
                        "text": (
                            "<p>Ta emot begäran vänligt, men lämna inte själv ut "
                            "några uppgifter. Hänvisa till förvaltningens "
                            "registrator eller till stadens e-tjänst för "
                            "registerutdrag, och skicka vidare begäran samma dag "
                            "om den kom till dig med e-post eller brev. Har du "
                            "frågor kan du vända dig till stadens "
                            "dataskyddsombud.</p>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Att ta med dig",
                        "points": [
                            "De registrerade har rätt till information, tillgång, "
                            "rättelse och i vissa fall radering.",
                            "Staden ska svara inom en månad – skicka vidare en "
                            "begäran samma dag.",
                            "Lämna inte själv ut uppgifter; hänvisa till "
                            "registrator eller e-tjänsten.",
                        ],
                    },
                },
            ],
        },
        {
            "slug": "fordjupning-personuppgiftsincidenter",
            "title": "Fördjupning: personuppgiftsincidenter",
            "estimated_minutes": 5,
            "required": False,
            "body": [
                {
                    "type": "text",
                    "value": (
                        "<p><i>Det här är fördjupningsmaterial. Lektionen behövs "
                        "inte för att bli klar med kursen.</i></p>"
                        "<p>En personuppgiftsincident är en säkerhetsincident som "
                        "har lett till att personuppgifter av misstag eller "
                        "olagligt har förstörts, gått förlorade, ändrats, lämnats "
                        "ut till obehöriga eller blivit åtkomliga för obehöriga. "
                        "Det vanligaste exemplet i kommuner är e-post som har "
                        "skickats till fel mottagare.</p>"
                        "<p>Staden är skyldig att anmäla personuppgiftsincidenter "
                        "till Integritetsskyddsmyndigheten (IMY) inom 72 timmar "
                        "från det att staden fick kännedom om dem, om det inte är "
                        "osannolikt att incidenten medför en risk för de "
                        "registrerades fri- och rättigheter. Är risken hög ska "
                        "också de som drabbats informeras.</p>"
                        "<p>Du gör ingen anmälan till IMY själv. Din uppgift är "
                        "att rapportera incidenten internt så fort som möjligt, "
                        "så att förvaltningens dataskyddssamordnare kan bedöma den "
                        "och göra en anmälan i tid.</p>"
                    ),
                },
                {
                    "type": "callout",
                    "value": {
                        "kind": "warning",
                        "title": "72 timmar går fort",
                        "text": (
                            "<p>Tiden börjar räknas när staden – alltså även du – "
                            "får kännedom om incidenten. Rapportera samma dag, "
                            "även om det är fredag eftermiddag.</p>"
                        ),
                    },
                },
                {
                    "type": "expandable",
                    "value": {
                        "summary": "Exempel: mejlet som hamnade fel",
                        "content": (
                            "<p>En handläggare ska skicka ett beslut om bistånd "
                            "till en klient men väljer fel mottagare i "
                            "adressfältet, där två personer har nästan samma "
                            "namn. Handläggaren upptäcker misstaget direkt.</p>"
                            "<ol>"
                            "<li>Kontakta den felaktiga mottagaren, be hen radera "
                            "mejlet och bekräfta att det är gjort.</li>"
                            "<li>Rapportera incidenten i incidentformuläret samma "
                            "dag.</li>"
                            "<li>Informera din chef.</li>"
                            "</ol>"
                            "<p>Dataskyddssamordnaren bedömer sedan om "
                            "incidenten ska anmälas till IMY och om klienten ska "
                            "informeras.</p>"
                        ),
                    },
                },
                {
                    "type": "key_points",
                    "value": {
                        "heading": "Fördjupningen i korthet",
                        "points": [
                            "Felskickad e-post är den vanligaste "
                            "personuppgiftsincidenten.",
                            "Staden har 72 timmar på sig att anmäla till IMY.",
                            "Din uppgift är att rapportera internt samma dag.",
                        ],
                    },
                },
            ],
        },
    ]


# --- Quizzes ---------------------------------------------------------------

# Quiz blocks get ids derived from fixed names instead of Wagtail's random
# uuid4s: attempts record question and option ids, and the demo's ids must be
# the same on every run and in every database.
DEMO_BLOCK_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://kompetens.example.se/demo")


def block_id(*names):
    """A stable block id, for example block_id("kurs/kunskapstest", "q1", "a")."""
    return str(uuid.uuid5(DEMO_BLOCK_IDS, "/".join(names)))


def choice_question(kind, quiz, key, prompt, options, explanation):
    """A single or multiple choice question. `options` are (key, text,
    correct, feedback) tuples; the feedback is shown to whoever chose it."""
    return {
        "type": kind,
        "id": block_id(quiz, key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "explanation": explanation,
            "options": [
                {
                    "type": "item",
                    "id": block_id(quiz, key, option_key),
                    "value": {"text": text, "correct": correct, "feedback": feedback},
                }
                for option_key, text, correct, feedback in options
            ],
        },
    }


def true_false_question(quiz, key, prompt, correct, feedback, explanation):
    """`feedback` is (for "true", for "false")."""
    return {
        "type": "true_false",
        "id": block_id(quiz, key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "explanation": explanation,
            "correct_answer": "true" if correct else "false",
            "feedback_true": feedback[0],
            "feedback_false": feedback[1],
        },
    }


def matching_question(quiz, key, prompt, pairs, explanation):
    """`pairs` are (key, item, match) tuples."""
    return {
        "type": "matching",
        "id": block_id(quiz, key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "explanation": explanation,
            "pairs": [
                {
                    "type": "item",
                    "id": block_id(quiz, key, pair_key),
                    "value": {"item": item, "match": match},
                }
                for pair_key, item, match in pairs
            ],
        },
    }


def ordering_question(quiz, key, prompt, items, explanation):
    """`items` are (key, text) tuples in the correct order."""
    return {
        "type": "ordering",
        "id": block_id(quiz, key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "explanation": explanation,
            "items": [
                {"type": "item", "id": block_id(quiz, key, item_key), "value": text}
                for item_key, text in items
            ],
        },
    }


_SECURITY = f"{SECURITY_COURSE['slug']}/kunskapstest"

SECURITY_QUIZ = {
    "slug": "kunskapstest",
    "title": "Kunskapstest: informationssäkerhet",
    "intro": (
        "<p>Testa det du har lärt dig i kursen. Testet har åtta frågor och du "
        "behöver minst 80 procent rätt för att bli godkänd. Du har tre försök. "
        "Efter varje försök ser du rätt svar och en förklaring till varje "
        "fråga.</p>"
    ),
    "settings": {
        "pass_mark": 80,
        "max_attempts": 3,
        "draw_count": None,
        "shuffle_questions": False,
        "shuffle_options": True,
        "time_limit_minutes": None,
        "reveal_answers": QuizPage.Reveal.AFTER_SUBMIT,
        "required": True,
    },
    "questions": [
        choice_question(
            "single_choice",
            _SECURITY,
            "egenskaper",
            "Hemtjänstens planeringssystem ligger nere i en vecka och personalen "
            "kan inte se vilka brukare de ska besöka. Vilken egenskap hos "
            "informationen har brustit?",
            [
                (
                    "konfidentialitet",
                    "Konfidentialitet",
                    False,
                    "Nej. Konfidentialitet betyder att bara de som ska kan ta del "
                    "av informationen. Här har ingen obehörig sett något.",
                ),
                (
                    "riktighet",
                    "Riktighet",
                    False,
                    "Nej. Riktighet betyder att informationen är korrekt och inte "
                    "har ändrats. Här är problemet att den inte går att nå.",
                ),
                (
                    "tillganglighet",
                    "Tillgänglighet",
                    True,
                    "Rätt. Informationen fanns inte där när den behövdes.",
                ),
                (
                    "ingen",
                    "Ingen – ett tekniskt fel är inte en fråga om informationssäkerhet",
                    False,
                    "Nej. Ett system som ligger nere är en brist i "
                    "informationssäkerheten, även när orsaken är teknisk.",
                ),
            ],
            "<p>Informationssäkerhet handlar om tre egenskaper: "
            "<b>konfidentialitet</b> – bara de som ska kan ta del av "
            "informationen, <b>riktighet</b> – den är korrekt, och "
            "<b>tillgänglighet</b> – den finns där när den behövs. Ett system som "
            "ligger nere är en brist i tillgängligheten.</p>",
        ),
        choice_question(
            "single_choice",
            _SECURITY,
            "mejl-fran-vardnadshavare",
            "En vårdnadshavare mejlar förskolan och berättar om sitt barns "
            "diagnos. Hur ska uppgifterna i mejlet klassas?",
            [
                (
                    "oppen",
                    "Öppen",
                    False,
                    "Nej. Uppgifter om ett barns hälsa får inte spridas fritt.",
                ),
                (
                    "intern",
                    "Intern",
                    False,
                    "Nej. Intern information är till exempel rutiner och "
                    "mötesanteckningar. Uppgifter om hälsa kräver ett starkare "
                    "skydd.",
                ),
                (
                    "konfidentiell",
                    "Konfidentiell",
                    True,
                    "Rätt. Uppgifter om hälsa är konfidentiella, hur de än har "
                    "kommit in.",
                ),
                (
                    "ingen-klassning",
                    "Ingen klassning behövs, eftersom vårdnadshavaren själv valde "
                    "att mejla",
                    False,
                    "Nej. Uppgifterna är lika känsliga oavsett hur de kom in, och "
                    "förskolan ansvarar för att skydda dem.",
                ),
            ],
            "<p>Uppgifter om hälsa och om familjens förhållanden är "
            "<b>konfidentiella</b>, även när de kommer in med vanlig e-post. Spara "
            "dem i det system som verksamheten använder för sådana handlingar, "
            "radera mejlet ur inkorgen och vidarebefordra det inte till kollegor "
            "som inte behöver uppgifterna.</p>",
        ),
        choice_question(
            "multiple_choice",
            _SECURITY,
            "varningstecken",
            "Du får ett mejl från ”IT-support” med ämnet ”Ditt konto stängs i "
            "dag”. Vilka av följande är varningstecken på nätfiske?",
            [
                (
                    "doman",
                    "Avsändaradressen liknar stadens men har en annan domän",
                    True,
                    "Rätt. En adress som är stavad lite fel eller har en annan "
                    "domän är ett vanligt varningstecken.",
                ),
                (
                    "bradska",
                    "Mejlet skapar brådska och hotar med att kontot stängs",
                    True,
                    "Rätt. Brådska och hot ska få dig att agera utan att tänka efter.",
                ),
                (
                    "losenord",
                    "Du ombeds bekräfta ditt lösenord via en länk i mejlet",
                    True,
                    "Rätt. Stadens IT-support ber dig aldrig om ditt lösenord.",
                ),
                (
                    "felfri-svenska",
                    "Mejlet är skrivet på felfri svenska",
                    False,
                    "Nej. Felfri svenska säger ingenting i dag: många "
                    "nätfiskemejl skrivs med hjälp av AI-verktyg.",
                ),
                (
                    "logotyp",
                    "Mejlet har stadens logotyp",
                    False,
                    "Nej. En logotyp är inget varningstecken, men den bevisar inte "
                    "heller att mejlet är äkta: den är lätt att kopiera.",
                ),
            ],
            "<p>Titta på vad meddelandet vill att du ska göra, inte bara på hur "
            "det ser ut. Varningstecknen är en avsändare som inte stämmer, "
            "brådska eller hot, en begäran om att lämna ut något, länkar som "
            "leder någon annanstans och oväntade bilagor.</p>",
        ),
        choice_question(
            "multiple_choice",
            _SECURITY,
            "losenordsrad",
            "Vilka av följande råd om lösenord och inloggning stämmer med stadens "
            "riktlinjer?",
            [
                (
                    "losenfras",
                    "Använd en lösenfras på minst 14 tecken",
                    True,
                    "Rätt. Långt slår krångligt, och stadens krav är minst 14 tecken.",
                ),
                (
                    "samma-losenord",
                    "Använd samma lösenord i jobbet som privat, så att du inte "
                    "glömmer det",
                    False,
                    "Nej. Läcker ett privat konto prövar angripare samma lösenord "
                    "överallt.",
                ),
                (
                    "godkann-bara-egna",
                    "Godkänn bara inloggningar som du själv har startat",
                    True,
                    "Rätt. En inloggning som du inte känner igen nekar du och "
                    "rapporterar till IT-servicedesk.",
                ),
                (
                    "dela-med-chefen",
                    "Det går bra att dela lösenordet med din chef om hen behöver "
                    "komma åt din e-post",
                    False,
                    "Nej. Dela aldrig ditt lösenord, inte ens med din chef eller "
                    "med IT-support.",
                ),
                (
                    "lapp",
                    "Skriv upp lösenordet på en lapp vid datorn om det är svårt "
                    "att komma ihåg",
                    False,
                    "Nej. Välj hellre en lösenfras som du kan komma ihåg, eller "
                    "använd stadens lösenordshanterare.",
                ),
            ],
            "<p>Använd en lång lösenfras, olika lösenord i jobbet och privat, och "
            "dela aldrig lösenord eller engångskoder. Tvåstegsverifiering skyddar "
            "dig även om någon kommer över ditt lösenord – men bara om du nekar "
            "inloggningar som du inte själv har startat.</p>",
        ),
        true_false_question(
            _SECURITY,
            "engangskod",
            "Stadens IT-support kan ringa och be dig läsa upp en engångskod från "
            "din autentiseringsapp för att laga ett fel.",
            False,
            (
                "Fel. Stadens IT-support ber dig aldrig om ditt lösenord eller om "
                "en kod från autentiseringsappen. Ett sådant samtal är ett försök "
                "till social manipulation.",
                "Rätt. IT-support ber aldrig om lösenord eller engångskoder. "
                "Avsluta samtalet och ring tillbaka på ett nummer som du själv har "
                "tagit fram.",
            ),
            "<p>Att ringa och utge sig för att vara IT-support är en vanlig form "
            "av <b>social manipulation</b>. Det är aldrig oartigt att kontrollera: "
            "ring tillbaka på ett nummer från stadens telefonkatalog och "
            "rapportera samtalet till IT-servicedesk.</p>",
        ),
        true_false_question(
            _SECURITY,
            "rapportera-vid-osakerhet",
            "Du ska rapportera en händelse även när du är osäker på om det "
            "verkligen är en incident.",
            True,
            (
                "Rätt. Hellre en anmälan för mycket än en för lite.",
                "Fel. Rapportera även när du är osäker. En incident som ingen "
                "känner till kan ingen begränsa.",
            ),
            "<p>Ju tidigare en incident rapporteras, desto mer kan göras för att "
            "begränsa skadan: ett konto kan spärras och en borttappad telefon kan "
            "raderas på distans. Ingen blir straffad för att ha rapporterat en "
            "incident, inte heller när den berodde på ett eget misstag.</p>",
        ),
        matching_question(
            _SECURITY,
            "klassa-och-hantera",
            "Para ihop varje nivå med hur informationen ska hanteras.",
            [
                ("oppen", "Öppen", "Får spridas fritt, men ska vara korrekt"),
                ("intern", "Intern", "Delas med eftertanke i stadens egna system"),
                (
                    "konfidentiell",
                    "Konfidentiell",
                    "Bara för behöriga, aldrig med vanlig e-post",
                ),
            ],
            "<p><b>Öppen</b> information, som nämndbeslut och öppettider, får "
            "spridas fritt. <b>Intern</b> information, som rutiner och "
            "mötesanteckningar, är till för stadens medarbetare och delas inte i "
            "privata tjänster. <b>Konfidentiell</b> information hanteras bara av "
            "den som behöver den i sitt arbete, i system som är godkända för den. "
            "Är du osäker – välj den högre nivån och fråga.</p>",
        ),
        ordering_question(
            _SECURITY,
            "rapportera-incident",
            "Du har klickat på en länk i ett nätfiskemejl och skrivit in ditt "
            "lösenord på sidan som öppnades. I vilken ordning gör du följande?",
            [
                ("ring", f"Ring IT-servicedesk på {IT_SERVICEDESK}"),
                (
                    "beratta",
                    "Berätta vad som har hänt, när det hände och vilken "
                    "information som kan vara påverkad",
                ),
                ("byt-losenord", "Byt lösenord enligt servicedesks anvisningar"),
                ("chef", "Informera din chef samma dag"),
            ],
            "<p>Har du lämnat ut ditt lösenord är det bråttom. Ring IT-servicedesk "
            "direkt – de svarar dygnet runt och kan spärra kontot. Berätta vad som "
            "har hänt, när och vilken information som berörs, och byt lösenordet. "
            "Radera inte mejlet: servicedesk kan behöva det för att spåra "
            "attacken. Informera sedan din chef.</p>",
        ),
    ],
}


_GDPR = f"{GDPR_COURSE['slug']}/kunskapstest"

GDPR_QUIZ = {
    "slug": "kunskapstest",
    "title": "Kunskapstest: dataskydd och GDPR",
    "intro": (
        "<p>Fyra frågor om dataskydd i vardagen. Du har 15 minuter på dig och "
        "behöver tre rätt av fyra för att bli godkänd. Rätt svar och "
        "förklaringar visas när du har klarat testet.</p>"
    ),
    "settings": {
        "pass_mark": 75,
        "draw_count": None,
        "time_limit_minutes": 15,
        "reveal_answers": QuizPage.Reveal.AFTER_PASS,
        "required": True,
    },
    "questions": [
        choice_question(
            "single_choice",
            _GDPR,
            "kanslig-personuppgift",
            "Vilken av följande är en känslig personuppgift enligt "
            "dataskyddsförordningen?",
            [
                (
                    "personnummer",
                    "Personnummer",
                    False,
                    "Nej. Personnummer är inte känsliga enligt förordningens "
                    "definition, men får bara användas när det är klart motiverat.",
                ),
                (
                    "halsa",
                    "En uppgift om en persons hälsa",
                    True,
                    "Rätt. Uppgifter om hälsa är känsliga personuppgifter.",
                ),
                (
                    "adress",
                    "En hemadress",
                    False,
                    "Nej. En adress är en personuppgift, men inte en känslig "
                    "personuppgift.",
                ),
                (
                    "arendenummer",
                    "Ett ärendenummer",
                    False,
                    "Nej. Ett ärendenummer kan vara en personuppgift, men det är "
                    "inte känsligt i förordningens mening.",
                ),
            ],
            "<p>Känsliga personuppgifter är bland annat uppgifter om hälsa, "
            "etniskt ursprung, politiska åsikter, religiös övertygelse, medlemskap "
            "i fackförening och sexualliv. De får bara behandlas i undantagsfall. "
            "Personnummer är inte känsliga, men dataskyddslagen begränsar när de "
            "får användas.</p>",
        ),
        choice_question(
            "multiple_choice",
            _GDPR,
            "behandling",
            "Vilka av följande är behandling av personuppgifter?",
            [
                (
                    "lasa",
                    "Att läsa anteckningar om en brukare i verksamhetssystemet",
                    True,
                    "Rätt. Även att läsa uppgifter är behandling.",
                ),
                (
                    "skicka",
                    "Att mejla en kollegas telefonnummer till en leverantör",
                    True,
                    "Rätt. Att skicka uppgifter är behandling.",
                ),
                (
                    "radera",
                    "Att radera ett kalkylark med elevernas namn",
                    True,
                    "Rätt. Också att radera uppgifter är behandling.",
                ),
                (
                    "statistik",
                    "Att läsa hur många som besökte biblioteket i maj, utan "
                    "uppgifter om enskilda besökare",
                    False,
                    "Nej. Statistik som inte kan kopplas till någon enskild person "
                    "innehåller inga personuppgifter.",
                ),
            ],
            "<p>”Behandling” är ett brett begrepp: att samla in, registrera, läsa, "
            "ändra, skicka, lagra och radera personuppgifter är alla behandlingar "
            "– i ett verksamhetssystem, i ett mejl, i ett kalkylark eller på en "
            "lapp på skrivbordet.</p>",
        ),
        true_false_question(
            _GDPR,
            "svar-inom-en-manad",
            "Staden ska svara på en begäran om registerutdrag senast inom en månad.",
            True,
            (
                "Rätt. Svaret ska komma utan onödigt dröjsmål och senast inom en "
                "månad.",
                "Fel. Staden ska svara utan onödigt dröjsmål och senast inom en "
                "månad – därför ska du skicka vidare en begäran samma dag.",
            ),
            "<p>De registrerade har rätt till tillgång, det vill säga ett "
            "registerutdrag. Lämna inte själv ut uppgifter: hänvisa till "
            "förvaltningens registrator eller till stadens e-tjänst för "
            "registerutdrag, och skicka vidare en begäran samma dag.</p>",
        ),
        matching_question(
            _GDPR,
            "principer",
            "Para ihop varje princip med vad den innebär.",
            [
                (
                    "andamalsbegransning",
                    "Ändamålsbegränsning",
                    "Uppgifterna används inte för ett helt annat syfte",
                ),
                (
                    "uppgiftsminimering",
                    "Uppgiftsminimering",
                    "Bara de uppgifter som behövs samlas in",
                ),
                (
                    "lagringsminimering",
                    "Lagringsminimering",
                    "Uppgifterna sparas inte längre än nödvändigt",
                ),
                (
                    "integritet-och-konfidentialitet",
                    "Integritet och konfidentialitet",
                    "Uppgifterna skyddas mot obehörig åtkomst och förlust",
                ),
            ],
            "<p>Principerna gäller alltid när staden behandlar personuppgifter. I "
            "exemplet med kalkylarket över brukare räcker troligen namn och adress "
            "för att planera schemat (uppgiftsminimering), och kalkylarket raderas "
            "när schemat inte längre behövs (lagringsminimering).</p>",
        ),
    ],
}


INCIDENT_GUIDE = {
    "slug": "sa-rapporterar-du-en-it-incident",
    "title": "Så rapporterar du en IT-incident",
    "summary": (
        "Kort guide: vad som räknas som en IT-incident, vem du kontaktar och vad "
        "du ska berätta. Med en checklista att skriva ut."
    ),
    "estimated_minutes": 3,
    "categories": ["informationssakerhet"],
}


def incident_guide_body(a):
    return [
        {
            "type": "text",
            "value": (
                "<p>Har du klickat på en misstänkt länk, tappat bort din mobil "
                "eller skickat känsliga uppgifter till fel person? Rapportera "
                "direkt. Det tar några minuter och kan förhindra stor skada.</p>"
                "<h2>Gör så här</h2>"
                "<ol>"
                f"<li><b>Är det bråttom?</b> Ring IT-servicedesk på {IT_SERVICEDESK}. "
                "Servicedesk svarar dygnet runt, alla dagar.</li>"
                "<li><b>Annars:</b> fyll i incidentformuläret på intranätet under "
                "<i>IT och telefoni</i>.</li>"
                "<li><b>Berätta</b> vad som har hänt, när det hände, vilka system "
                "eller vilken information som berörs och hur du nås.</li>"
                "<li><b>Informera</b> din chef samma dag.</li>"
                "</ol>"
                "<p>Vanor som förebygger incidenter hittar du i "
                f'<a linktype="document" id="{a["checklist"].pk}">checklistan för '
                "informationssäkerhet i vardagen</a>.</p>"
            ),
        },
        {
            "type": "callout",
            "value": {
                "kind": "warning",
                "title": "Radera inget",
                "text": (
                    "<p>Radera inte misstänkta mejl eller filer och stäng inte av "
                    "datorn innan du har pratat med IT-servicedesk. Spåren behövs "
                    "för att förstå vad som har hänt.</p>"
                ),
            },
        },
        {
            "type": "expandable",
            "value": {
                "summary": "Vad räknas som en IT-incident?",
                "content": (
                    "<ul>"
                    "<li>Du har klickat på en länk eller öppnat en bilaga i ett "
                    "misstänkt mejl.</li>"
                    "<li>Du har lämnat ut ditt lösenord eller godkänt en "
                    "inloggning som du inte själv startade.</li>"
                    "<li>En dator, mobil, surfplatta eller ett USB-minne har "
                    "kommit bort eller blivit stulet.</li>"
                    "<li>Information har skickats till fel mottagare eller "
                    "blivit åtkomlig för obehöriga.</li>"
                    "<li>Ett system beter sig konstigt: filer som inte går att "
                    "öppna, okända program eller krav på lösensumma.</li>"
                    "</ul>"
                ),
            },
        },
        {
            "type": "document",
            "value": {
                "document": a["checklist"].pk,
                "description": "Tolv vanor som skyddar stadens information. En "
                "sida, tillgänglighetsanpassad PDF.",
            },
        },
        {
            "type": "key_points",
            "value": {
                "heading": "Kom ihåg",
                "points": [
                    f"Ring IT-servicedesk direkt om det är bråttom: {IT_SERVICEDESK}.",
                    "Radera inget och stäng inte av datorn innan du pratat med "
                    "servicedesk.",
                    "Det är alltid rätt att rapportera, även när du är osäker.",
                ],
            },
        },
    ]


# --- The command -----------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Load Swedish demo content (home page, catalogue, courses, information "
        "material, accessibility statement, org units and demo users). Safe to "
        "run any number of times."
    )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        self.created = []
        with transaction.atomic():
            users = self.ensure_users()
            units = self.ensure_org_units(users)
            categories = self.ensure_categories()
            assets = self.ensure_assets(users["hr"])
            pages = self.ensure_pages(users, categories, assets)
            self.ensure_staff(users, units)
            self.ensure_rules(users, units)
        # The signal handlers update the index through Wagtail's background
        # tasks; index now, so that the catalogue search finds the demo at once.
        for page in pages:
            index.insert_or_update_object(page)

        if self.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created or updated {len(self.created)} demo objects."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "The demo content is already in place; nothing was changed."
                )
            )
        self.print_logins()

    def note(self, label):
        self.created.append(label)
        if self.verbosity >= 2:
            self.stdout.write(f"  + {label}")

    # --- People and organisation --------------------------------------------

    def ensure_users(self):
        User = get_user_model()
        users = {}
        for username, first_name, last_name, _role in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                email = f"{first_name}.{last_name}@example.se".lower()
                create = (
                    User.objects.create_superuser
                    if username == "admin"
                    else User.objects.create_user
                )
                user = create(
                    username,
                    email,
                    DEMO_PASSWORD,
                    first_name=first_name,
                    last_name=last_name,
                )
                self.note(f"user {username}")
            users[username] = user

        # HR authors reach the Wagtail admin through the group's access_admin
        # permission; they are neither staff nor superusers.
        group = ensure_hr_author_group()
        if not users["hr"].groups.filter(pk=group.pk).exists():
            users["hr"].groups.add(group)
            self.note(f"hr in group {HR_AUTHORS}")
        return users

    def ensure_org_units(self, users):
        units = {}
        for hr_code, name, parent_code in ORG_UNITS:
            unit = OrgUnit.objects.filter(hr_code=hr_code).first()
            if unit is None:
                if parent_code is None:
                    unit = OrgUnit.add_root(hr_code=hr_code, name=name)
                else:
                    # A fresh parent: treebeard computes paths from numchild.
                    parent = OrgUnit.objects.get(pk=units[parent_code].pk)
                    unit = parent.add_child(hr_code=hr_code, name=name)
                self.note(f"org unit {hr_code}")
            units[hr_code] = unit

        department = units["SOD-AO"]
        if department.head_id is None:
            department.head = users["chef"]
            department.save(update_fields=["head"])
            self.note("chef as head of SOD-AO")
        return units

    def ensure_staff(self, users, units):
        """Staff profiles for the demo people and a small team for the manager."""
        User = get_user_model()
        people = [
            # username, first, last, unit, job title, start date, leave until
            ("anna", None, None, "SOD-AO-HT", "Undersköterska", "2021-09-01", None),
            ("chef", None, None, "SOD-AO", "Avdelningschef", "2015-02-01", None),
            ("hr", None, None, "SOD", "HR-specialist", "2019-04-15", None),
            ("ali", "Ali", "Hassan", "SOD-AO-HT", "Undersköterska", "2026-10-01", None),
            (
                "berit",
                "Berit",
                "Nyström",
                "SOD-AO-VOB",
                "Sjuksköterska",
                "2012-01-09",
                None,
            ),
            (
                "carlos",
                "Carlos",
                "Mendes",
                "SOD-AO-VOB",
                "Vårdbiträde",
                "2023-05-22",
                "2027-03-31",
            ),
        ]
        for username, first, last, unit, title, start, leave in people:
            user = users.get(username) or User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username,
                    f"{first}.{last}@example.se".lower(),
                    DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                )
                self.note(f"user {username}")
            if not StaffProfile.objects.filter(user=user).exists():
                StaffProfile.objects.create(
                    user=user,
                    employee_number=f"DEMO-{username.upper()}",
                    unit=units[unit],
                    job_title=title,
                    start_date=date.fromisoformat(start),
                    on_leave_until=date.fromisoformat(leave) if leave else None,
                    line_manager=users["chef"] if username != "chef" else None,
                    hr_role="central" if username == "hr" else "",
                )
                self.note(f"staff profile {username}")
        # HR administers mandatory training (rules, exemptions) as central HR.
        group = ensure_hr_admin_group()
        if not users["hr"].groups.filter(pk=group.pk).exists():
            users["hr"].groups.add(group)
            self.note(f"hr in group {group.name}")

    def ensure_rules(self, users, units):
        """Information security for everyone in the district administration,
        within 30 days and kept valid: an active rule, so "My learning" shows
        required training at once."""
        course = CoursePage.objects.get(slug=SECURITY_COURSE["slug"])
        rule = AssignmentRule.objects.filter(name=DEMO_RULE).first()
        if rule is None:
            rule = AssignmentRule.objects.create(
                name=DEMO_RULE,
                course=course,
                due_kind=AssignmentRule.DueKind.AFTER_ASSIGNMENT,
                due_days=30,
                recurrence=AssignmentRule.Recurrence.KEEP_VALID
                if course.validity_kind != "none"
                else AssignmentRule.Recurrence.NONE,
                created_by=users["hr"],
            )
            rule.units_with_subtree.set([units["SOD"]])
            self.note("assignment rule")
        if not rule.active:
            activate_rule(users["admin"], rule)
            self.note("assignment rule activated")

    def ensure_categories(self):
        categories = {}
        for slug, name in CATEGORIES:
            category, created = Category.objects.get_or_create(
                slug=slug, defaults={"name": name}
            )
            if created:
                self.note(f"category {slug}")
            categories[slug] = category
        return categories

    # --- Images, documents and video ----------------------------------------

    def ensure_assets(self, uploader):
        Image = get_image_model()
        Document = get_document_model()
        Media = get_media_model()
        assets = {}

        for key, (filename, title) in IMAGES.items():
            image = Image.objects.filter(title=title).first()
            if image is None:
                path = ASSETS_DIR / filename
                with path.open("rb") as f:
                    file_hash = hash_filelike(f)
                    f.seek(0)
                    image = Image(
                        title=title,
                        file=ImageFile(f, name=filename),
                        file_size=path.stat().st_size,
                        file_hash=file_hash,
                        uploaded_by_user=uploader,
                    )
                    image.save()
                self.note(f"image {filename}")
            assets[key] = image

        for key, (filename, title) in DOCUMENTS.items():
            document = Document.objects.filter(title=title).first()
            if document is None:
                path = ASSETS_DIR / filename
                with path.open("rb") as f:
                    file_hash = hash_filelike(f)
                    f.seek(0)
                    document = Document(
                        title=title,
                        file=File(f, name=filename),
                        file_size=path.stat().st_size,
                        file_hash=file_hash,
                        uploaded_by_user=uploader,
                    )
                    document.save()
                self.note(f"document {filename}")
            assets[key] = document

        video = Media.objects.filter(title=VIDEO["title"], type="video").first()
        if video is None:
            with (
                (ASSETS_DIR / VIDEO["file"]).open("rb") as f,
                (ASSETS_DIR / VIDEO["thumbnail"]).open("rb") as thumb,
            ):
                video = Media(
                    title=VIDEO["title"],
                    type="video",
                    file=File(f, name=VIDEO["file"]),
                    thumbnail=File(thumb, name=VIDEO["thumbnail"]),
                    duration=VIDEO["duration"],
                    width=VIDEO["width"],
                    height=VIDEO["height"],
                    uploaded_by_user=uploader,
                )
                video.save()
            self.note(f"video {VIDEO['file']}")
        assets["video"] = video
        return assets

    # --- Pages ---------------------------------------------------------------

    def ensure_pages(self, users, categories, assets):
        admin, hr = users["admin"], users["hr"]
        pages = []

        home = self.ensure_home(admin)
        pages.append(home)

        catalogue = self.ensure_page(
            home,
            "kurser",
            lambda: CourseIndexPage(
                title="Kurser och information", intro=CATALOGUE_INTRO, owner=admin
            ),
            user=admin,
        )
        pages.append(catalogue)
        # HR authors' page permissions are on the catalogue: now it exists.
        ensure_hr_author_group()

        pages.append(
            self.ensure_page(
                home,
                "tillganglighet",
                lambda: AccessibilityStatementPage(
                    title="Tillgänglighetsredogörelse",
                    body=accessibility_statement(swedish_date(timezone.localdate())),
                    contact_email="tillganglighet@kompetens.example.se",
                    owner=admin,
                ),
                user=admin,
            )
        )

        for course, lessons, quiz in (
            (SECURITY_COURSE, security_lessons(assets), SECURITY_QUIZ),
            (GDPR_COURSE, gdpr_lessons(assets), GDPR_QUIZ),
        ):
            course_page = self.ensure_page(
                catalogue,
                course["slug"],
                lambda course=course: CoursePage(
                    title=course["title"],
                    summary=course["summary"],
                    objectives=course["objectives"],
                    estimated_minutes=course["estimated_minutes"],
                    language="sv",
                    cover_image=assets[course["cover"]],
                    categories=[categories[slug] for slug in course["categories"]],
                    **course["validity"],
                    owner=hr,
                ),
                user=hr,
            )
            course_page = self.ensure_validity(course_page, course["validity"], hr)
            pages.append(course_page)
            for lesson in lessons:
                pages.append(
                    self.ensure_page(
                        course_page,
                        lesson["slug"],
                        lambda lesson=lesson: LessonPage(
                            title=lesson["title"],
                            body=stream(LessonPage, lesson["body"]),
                            required=lesson.get("required", True),
                            estimated_minutes=lesson["estimated_minutes"],
                            owner=hr,
                        ),
                        user=hr,
                    )
                )
            # After the lessons: added to an existing course, it comes last too.
            pages.append(
                self.ensure_page(
                    course_page,
                    quiz["slug"],
                    lambda quiz=quiz: QuizPage(
                        title=quiz["title"],
                        intro=quiz["intro"],
                        questions=stream(QuizPage, quiz["questions"], "questions"),
                        **quiz["settings"],
                        owner=hr,
                    ),
                    user=hr,
                )
            )

        pages.append(
            self.ensure_page(
                catalogue,
                INCIDENT_GUIDE["slug"],
                lambda: InformationPage(
                    title=INCIDENT_GUIDE["title"],
                    summary=INCIDENT_GUIDE["summary"],
                    body=stream(InformationPage, incident_guide_body(assets)),
                    estimated_minutes=INCIDENT_GUIDE["estimated_minutes"],
                    language="sv",
                    categories=[
                        categories[slug] for slug in INCIDENT_GUIDE["categories"]
                    ],
                    owner=hr,
                ),
                user=hr,
            )
        )
        return pages

    def ensure_home(self, user):
        """The home page as the default site's root, replacing Wagtail's
        "Welcome to your new Wagtail site!" page."""
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            home = self.ensure_page(
                root,
                "hem",
                lambda: HomePage(
                    title="Välkommen till Kompetens", intro=HOME_INTRO, owner=user
                ),
                user=user,
            )

        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site.objects.filter(hostname="localhost").order_by("port").first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                site_name="Kompetens",
                root_page=home,
                is_default_site=True,
            )
            self.note("default site")
        elif (
            site.root_page_id != home.pk
            or not site.is_default_site
            or not site.site_name
        ):
            site.root_page = home
            site.is_default_site = True
            site.site_name = site.site_name or "Kompetens"
            site.save()
            self.note("default site points at the home page")

        # Wagtail's welcome page: a plain Page at depth 2 with nothing under it.
        # Deleted only now that no site points at it (the site would go with it).
        for page in Page.objects.filter(
            depth=2,
            numchild=0,
            content_type__app_label="wagtailcore",
            content_type__model="page",
        ).exclude(sites_rooted_here__isnull=False):
            page.delete()
            self.note("Wagtail's welcome page deleted")
        return home

    def ensure_validity(self, course, validity, user):
        """Give a course the demo's certificate validity if it has none yet.

        A validity an editor has chosen stays as it is. A course that is not
        live or has unpublished changes is left alone too: publishing would
        republish a withdrawn course, or put a draft live or drop it.
        """
        if course.validity_kind != Validity.Kind.NONE:
            return course
        changes = {
            field: value
            for field, value in validity.items()
            if getattr(course, field) != value
        }
        if not changes:
            return course
        if not course.live or course.has_unpublished_changes:
            self.stdout.write(
                self.style.WARNING(
                    f"{course.title}: not live or has unpublished changes, so its "
                    "certificate validity was not set. Set it in the admin."
                )
            )
            return course
        for field, value in changes.items():
            setattr(course, field, value)
        # save_revision() runs full_clean(), which checks the validity settings.
        course.save_revision(user=user, log_action=True).publish(user=user)
        self.note(f"certificate validity of {course.url_path}")
        return CoursePage.objects.get(pk=course.pk)

    def ensure_page(self, parent, slug, build, *, user):
        """The live page `slug` under `parent`; built, added and published with
        a revision if it is not there yet."""
        existing = parent.get_children().filter(slug=slug).first()
        if existing is not None:
            return existing.specific
        page = build()
        page.slug = slug
        # Saving a live page and saving a revision both run full_clean().
        parent.add_child(instance=page)
        page.save_revision(user=user, log_action=True).publish(user=user)
        self.note(f"page {page.url_path}")
        return type(page).objects.get(pk=page.pk)

    # --- Summary -------------------------------------------------------------

    def print_logins(self):
        site_url = getattr(settings, "SITE_URL", "") or "http://localhost:8000"
        site_url = site_url.rstrip("/")
        width = max(len(username) for username, *_ in USERS)
        self.stdout.write("")
        self.stdout.write(f"Kompetens:     {site_url}/")
        self.stdout.write(f"Wagtail admin: {site_url}/admin/")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first_name, last_name, role in USERS:
            self.stdout.write(
                f"  {username.ljust(width)}  {first_name} {last_name} – {role}"
            )


def stream(model, raw, field="body"):
    """A validated StreamField value from the JSON-like list of blocks, so that
    broken demo content fails loudly here and not when a learner opens it.
    The block ids given in `raw` are kept."""
    block = model._meta.get_field(field).stream_block
    return block.clean(block.to_python(raw))


def swedish_date(day):
    with translation.override("sv"):
        return dateformat.format(day, "j F Y")
