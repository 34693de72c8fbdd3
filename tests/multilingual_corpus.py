"""A small library in three languages, written for the cross-lingual tests and for tuning the translation
weights (`lanes/text/translation.py`): German and French pages, English pages on neighbouring topics
(sharing some of their words), and questions whose answer is on one page, in another language than the
question. Real PDFs, made with PyMuPDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pymupdf

GERMAN = {
    "wartezeiten": "Häufigkeitsverteilung der Wartezeiten\nAn der Haltestelle wurden zwei Wochen lang die "
    "Wartezeiten der Fahrgäste gemessen. Die Häufigkeitsverteilung ist schief: die meisten warten weniger "
    "als vier Minuten, wenige länger als zwölf Minuten. Das Histogramm zeigt die Verteilung der Messwerte.",
    "waerme": "Wärmeleitfähigkeit von Werkstoffen\nKupfer leitet Wärme etwa zweitausendmal besser als Holz. "
    "Die Wärmeleitfähigkeit eines Werkstoffs bestimmt, wie schnell ein Topfgriff heiß wird. Dämmstoffe wie "
    "Glaswolle haben eine sehr geringe Leitfähigkeit.",
    "sortieren": "Stabile Sortierverfahren\nEin Sortierverfahren heißt stabil, wenn gleiche Schlüssel ihre "
    "Reihenfolge behalten. Mergesort ist stabil, Quicksort in der üblichen Form nicht. Stabilität ist "
    "wichtig, wenn man nacheinander nach mehreren Spalten sortiert.",
    "sicherung": "Sicherung und Wiederherstellung der Datenbank\nDie Datenbankverwaltung erstellt jede Nacht "
    "eine vollständige Sicherung. Zur Wiederherstellung wird zuerst die letzte Sicherung eingespielt, danach "
    "das Protokoll bis zum gewünschten Zeitpunkt.",
    "bienen": "Bienen und Bestäubung\nHonigbienen bestäuben Apfelbäume und Kirschbäume. Ohne Bestäubung "
    "tragen die Obstbäume kaum Früchte. Ein Bienenvolk besucht an einem sonnigen Tag Millionen von Blüten.",
    "miete": "Kündigungsfrist im Mietvertrag\nDer Mieter kann den Mietvertrag mit einer Frist von drei Monaten "
    "kündigen. Die Kündigung muss schriftlich erfolgen. Für den Vermieter gelten längere Fristen.",
    "impfung": "Impfung und Immunsystem\nEine Impfung trainiert das Immunsystem: der Körper bildet Antikörper "
    "gegen den abgeschwächten Erreger. Bei einer späteren Ansteckung erkennt das Immunsystem den Erreger "
    "schneller.",
    "verspaetung": "Verspätungen im Bahnverkehr\nIm Winter fahren mehr Züge mit Verspätung. Gefrorene Weichen "
    "und Schnee auf den Gleisen sind die häufigsten Ursachen. Die Pünktlichkeit sank im Januar auf siebzig "
    "Prozent.",
}

FRENCH = {
    "photosynthese": "La photosynthèse\nLes plantes vertes utilisent la lumière du soleil pour fabriquer du "
    "sucre à partir de l'eau et du gaz carbonique. La chlorophylle des feuilles absorbe la lumière, et la "
    "plante rejette de l'oxygène.",
    "impots": "Le budget de la commune\nLes impôts locaux financent les écoles, les routes et la "
    "bibliothèque municipale. Le conseil municipal vote le budget chaque année au mois de mars.",
    "volcans": "Les volcans\nPendant une éruption, le volcan projette de la lave et des cendres. La lave "
    "coule lentement sur les pentes de la montagne, les cendres retombent parfois très loin.",
    "compression": "La compression des images\nLe format JPEG réduit la taille des fichiers en supprimant des "
    "détails que l'œil remarque peu. Une qualité trop basse produit des blocs visibles dans l'image.",
    "verre": "Le recyclage du verre\nLe verre peut être recyclé sans fin. Les bouteilles sont triées par "
    "couleur, broyées puis fondues dans un four pour fabriquer de nouvelles bouteilles.",
    "marees": "Les marées\nLa lune attire les océans: deux fois par jour, la mer monte puis descend. Les "
    "grandes marées arrivent quand le soleil et la lune sont alignés.",
}

ENGLISH = {
    "timetable": "Bus timetable changes\nFrom Monday the number 12 bus leaves the station every ten minutes. "
    "Passengers can check the new timetable online or at the stop.",
    "wiring": "Copper wiring at home\nMost household cables are made of copper because it conducts "
    "electricity well. Old aluminium wiring should be checked by an electrician.",
    "post": "Sorting mail at the post office\nLetters are sorted by postcode, first by machine and then by "
    "hand for each street. Parcels go to a separate depot.",
    "photos": "Keeping your phone photos safe\nTurn on automatic upload so your pictures are copied to the "
    "cloud. A second copy on a laptop protects them if the account is closed.",
    "beekeeping": "Beekeeping equipment prices\nA starter kit with a hive, a veil and a smoker costs about "
    "two hundred euros. Protective gloves are sold separately.",
    "cleaning": "Cleaning the apartment before moving out\nClean the oven, the windows and the bathroom "
    "before handing over the keys. Take photos of every room as proof.",
    "printing": "Image sizes for printing\nFor a sharp print, a photo needs about three hundred pixels per "
    "inch. Large posters can use fewer because they are seen from further away.",
    "moon": "The first moon landing\nIn July 1969 two astronauts walked on the moon while a third stayed in "
    "orbit. They brought back rocks for scientists to study.",
}


@dataclass(frozen=True)
class Question:
    text: str
    page: str  # the name of the page that answers it (a key of GERMAN, FRENCH or ENGLISH)
    language: str


QUESTIONS = [
    Question("How are the waiting times of passengers distributed?", "wartezeiten", "en"),
    Question("Which material conducts heat better than wood?", "waerme", "en"),
    Question("When is a sorting method called stable?", "sortieren", "en"),
    Question("How do I restore the database from a backup?", "sicherung", "en"),
    Question("Which fruit trees do honey bees pollinate?", "bienen", "en"),
    Question("What is the notice period for terminating a rental contract?", "miete", "en"),
    Question("How does a vaccination train the immune system?", "impfung", "en"),
    Question("Why are trains late in winter?", "verspaetung", "en"),
    Question("How do plants use sunlight to make sugar?", "photosynthese", "fr"),
    Question("What do local taxes pay for?", "impots", "fr"),
    Question("What does a volcano throw out during an eruption?", "volcans", "fr"),
    Question("How does the JPEG format reduce the size of image files?", "compression", "fr"),
    Question("How is glass recycled into new bottles?", "verre", "fr"),
    Question("Why does the sea rise and fall twice a day?", "marees", "fr"),
    Question("Wie viel kostet eine Grundausstattung für Imker?", "beekeeping", "de"),
    Question("Wie werden Briefe in der Post sortiert?", "post", "de"),
    Question("Combien de pixels faut-il pour une photo imprimée nette?", "printing", "fr"),
]


def write_pdf(path: Path, pages: list[str]) -> Path:
    """One A5 page per text: the first line as a heading, the rest as a paragraph."""
    doc = pymupdf.open()
    for text in pages:
        heading, _, body = text.partition("\n")
        page = doc.new_page(width=420, height=595)
        page.insert_textbox(pymupdf.Rect(40, 40, 380, 90), heading, fontsize=16, fontname="helv")
        page.insert_textbox(pymupdf.Rect(40, 100, 380, 560), body, fontsize=11, fontname="helv")
    doc.save(path)
    return path


def write_corpus(folder: Path) -> dict[str, tuple[str, int]]:
    """One PDF per language (`deutsch.pdf`, `francais.pdf`, `english.pdf`); page name -> (file, page)."""
    folder.mkdir(parents=True, exist_ok=True)
    where: dict[str, tuple[str, int]] = {}
    for file, pages in (("deutsch.pdf", GERMAN), ("francais.pdf", FRENCH), ("english.pdf", ENGLISH)):
        write_pdf(folder / file, list(pages.values()))
        where.update({key: (file, number) for number, key in enumerate(pages, start=1)})
    return where
