"""The words of the "looks" signal: colour names and figure kinds, shared by ingestion (which names what a
page shows) and search (which reads them in a query). One owner, so a name ingestion writes is a name a
query can match.
"""

from __future__ import annotations

# colour names a page or region can carry (base names; "light"/"dark" are variants of these)
COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "grey", "black", "white")
CHROMATIC = frozenset(COLOURS) - {"grey", "black", "white"}

# figure kinds a page or region can carry, with what each means
KINDS = {
    "plot": "a chart with axes and numeric tick labels (vector drawings or a raster)",
    "drawing": "a vector drawing (diagram, tree, illustration) made of many drawing commands",
    "image": "an embedded raster image",
    "photo": "a raster image with many distinct colours (a photograph or rendering)",
    "screenshot": "a raster image of few flat colours (a window, a terminal, a UI)",
    "colour": "in colour: chromatic colours cover a visible share of the inked area",
    "table": "a table: ruled rows or several aligned columns of short cells",
    "code": "a code listing: a large share of the text set in a monospaced font",
    "slide": "a presentation slide (landscape page with a large title)",
    "title": "a title slide (the first slide of a deck, few words)",
}

# a kind that is also another: a plot is a drawing too (a "diagram" query accepts a plot), a photo and a
# screenshot are images
IMPLIED_KINDS = {"plot": ("drawing",), "photo": ("image",), "screenshot": ("image",), "title": ("slide",)}

# query words -> the kind they ask for (analysed lower-case words; plurals listed where stemming differs)
QUERY_KINDS = {
    "plot": "plot",
    "plots": "plot",
    "plotted": "plot",
    "graph": "plot",
    "graphs": "plot",
    "chart": "plot",
    "charts": "plot",
    "histogram": "plot",
    "histograms": "plot",
    "curve": "plot",
    "curves": "plot",
    "axis": "plot",
    "axes": "plot",
    "scatterplot": "plot",
    "barplot": "plot",
    "boxplot": "plot",
    "diagram": "drawing",
    "diagrams": "drawing",
    "drawing": "drawing",
    "drawn": "drawing",
    "illustration": "drawing",
    "illustrated": "drawing",
    "sketch": "drawing",
    "figure": "drawing",
    "image": "image",
    "images": "image",
    "picture": "image",
    "pictures": "image",
    "raster": "image",
    "photo": "photo",
    "photos": "photo",
    "photograph": "photo",
    "photographs": "photo",
    "screenshot": "screenshot",
    "screenshots": "screenshot",
    "colour": "colour",
    "color": "colour",
    "coloured": "colour",
    "colored": "colour",
    "colourful": "colour",
    "colorful": "colour",
    "colours": "colour",
    "colors": "colour",
    "table": "table",
    "tables": "table",
    "listing": "code",
    "snippet": "code",
    "slide": "slide",
    "slides": "slide",
}

# query words -> colour names (synonyms and spellings)
QUERY_COLOURS = {name: name for name in COLOURS} | {
    "gray": "grey",
    "violet": "purple",
    "magenta": "pink",
    "cyan": "blue",
    "navy": "blue",
    "crimson": "red",
    "scarlet": "red",
    "maroon": "brown",
    "golden": "yellow",
    "gold": "yellow",
    "teal": "green",
    "reddish": "red",
    "bluish": "blue",
    "greenish": "green",
}

# query words saying that something is shown (a figure is looked for, not talked about): with none of them,
# a query's kind words count less ("the bins used for the histogram" asks about text next to a plot;
# "which page shows a histogram" asks for the plot). Inflected forms listed: queries are not stemmed here.
SHOWING_WORDS = frozenset(
    {
        "show",
        "shows",
        "shown",
        "showing",
        "draw",
        "draws",
        "drawn",
        "depict",
        "depicts",
        "depicted",
        "depicting",
        "display",
        "displays",
        "displayed",
        "displaying",
        "illustrate",
        "illustrates",
        "illustrated",
        "illustrating",
        "illustration",
        "pictured",
        "plotted",
        "plots",
        "visualise",
        "visualises",
        "visualised",
        "visualize",
        "visualizes",
        "visualized",
        "visualization",
        "visualisation",
    }
)
