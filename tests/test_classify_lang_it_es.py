"""The Italian (it.yaml) and Spanish (es.yaml) cue lexicons, one behaviour per test.

Every sentence here is written for the test: none is copied from a news item.
"""

from __future__ import annotations

from watcher.classify import Classification, classify_item


def dates(c: Classification) -> list[tuple[str, str]]:
    return [(d["date"], d["kind"]) for d in c.dates]


# --- Italian ---------------------------------------------------------------------


def test_it_relevance_needs_the_ai_angle() -> None:
    assert classify_item(
        "Il Garante apre un'istruttoria sull'addestramento dei modelli di IA generativa",
        "L'Autorità chiede alla società informazioni sui dati usati dall'algoritmo.",
    ).relevant
    # a privacy fine with no AI angle, a product launch: no governance of AI
    assert not classify_item(
        "Il Garante multa una società energetica per telemarketing aggressivo",
        "Sanzione da 3 milioni di euro per il trattamento illecito dei dati dei clienti.",
    ).relevant
    assert not classify_item(
        "Un produttore lancia il nuovo smartphone con intelligenza artificiale",
        "Il dispositivo arriva nei negozi con ricavi attesi in crescita e nuovi investimenti.",
    ).relevant


def test_it_authorities_are_italy_and_the_eu_institutions_are_the_eu() -> None:
    c = classify_item(
        "L'Agenzia per l'Italia Digitale aggiorna le regole sull'IA nella PA",
        "Le regole valgono per tutte le amministrazioni.",
    )
    assert c.jurisdictions == ["IT"]
    c = classify_item(
        "La Commissione europea chiarisce le regole sui sistemi di IA ad alto rischio",
        "Bruxelles indica come classificare i sistemi.",
    )
    assert c.jurisdictions == ["EU"]


def test_it_a_companys_home_country_is_mentioned_in_passing() -> None:
    c = classify_item(
        "Il Garante per la protezione dei dati personali blocca il chatbot",
        "Il provvedimento riguarda la società statunitense che gestisce il servizio di intelligenza artificiale.",
    )
    assert c.jurisdictions == ["IT"]


def test_it_final_passage_is_a_new_law() -> None:
    c = classify_item(
        "Intelligenza artificiale, il Senato approva in via definitiva il testo: è legge",
        "Le nuove norme disciplinano l'uso dell'IA nel lavoro e nelle professioni.",
    )
    assert "new-law" in c.tags
    assert "draft" not in c.tags


def test_it_one_chamber_voting_is_neither_law_nor_draft() -> None:
    c = classify_item(
        "IA, la Camera approva il disegno di legge: ora passa al Senato",
        "Il testo regola l'uso degli algoritmi nella pubblica amministrazione.",
    )
    assert c.relevant
    assert not {"new-law", "draft"} & set(c.tags)


def test_it_an_adopted_implementing_instrument_is_a_new_decree() -> None:
    c = classify_item(
        "Il ministro firma il dpcm sull'uso dell'intelligenza artificiale negli uffici pubblici",
        "Il dpcm è stato pubblicato e vincola tutte le amministrazioni centrali.",
    )
    assert "new-decree" in c.tags


def test_it_a_bill_tabled_is_a_draft() -> None:
    c = classify_item(
        "Depositata alla Camera una proposta di legge sui deepfake",
        "Il testo punisce la diffusione di contenuti generati artificialmente senza consenso.",
    )
    assert "draft" in c.tags


def test_it_consultation_with_its_deadline() -> None:
    c = classify_item(
        "Linee guida sull'IA nelle scuole: al via la consultazione pubblica",
        "Le osservazioni possono essere inviate entro il 15 aprile 2026.",
        published="2026-03-01",
    )
    assert {"consultation", "draft"} <= set(c.tags)
    assert dates(c) == [("2026-04-15", "deadline")]


def test_it_published_guidelines_are_guidance_but_planned_ones_are_not() -> None:
    c = classify_item(
        "Il Garante pubblica un vademecum sull'uso dell'IA generativa",
        "Il documento offre indicazioni pratiche alle imprese.",
    )
    assert "guidance" in c.tags
    c = classify_item(
        "Intelligenza artificiale, il ministero dovrà adottare le linee guida entro l'anno",
        "Lo prevede la nuova normativa sugli algoritmi.",
    )
    assert "guidance" not in c.tags


def test_it_an_amended_law_is_an_amendment() -> None:
    c = classify_item(
        "Il governo modifica il codice del consumo per i sistemi di IA",
        "Le modifiche riguardano l'informazione sui contenuti generati dall'intelligenza artificiale.",
    )
    assert "amendment" in c.tags


def test_it_entry_into_force_gives_the_effective_date() -> None:
    c = classify_item(
        "Legge sull'intelligenza artificiale: cosa cambia",
        "Le disposizioni entrano in vigore dal 1° gennaio 2027.",
    )
    assert "enforcement-date" in c.tags
    assert dates(c) == [("2027-01-01", "effective")]


def test_it_the_date_that_names_an_act_is_no_date() -> None:
    c = classify_item(
        "IA nella sanità: le regole",
        "Lo stabilisce la legge 3 marzo 2026, n. 41, pubblicata nella Gazzetta Ufficiale n. 60 del 10 marzo 2026, "
        "che si applica dal 1° giugno 2026 ai sistemi di intelligenza artificiale.",
    )
    assert dates(c) == [("2026-06-01", "effective")]
    assert c.jurisdictions == ["IT"]


def test_it_postponement_keeps_only_the_new_date() -> None:
    c = classify_item(
        "Intelligenza artificiale, slitta l'applicazione degli obblighi",
        "Gli obblighi per i sistemi ad alto rischio slittano al 2 dicembre 2027 anziché dal 2 agosto 2026.",
        published="2025-11-20",
    )
    assert "delay" in c.tags
    assert dates(c) == [("2027-12-02", "effective")]


def test_it_a_longer_comment_period_is_no_delay() -> None:
    c = classify_item(
        "IA, prorogato il termine per le osservazioni sulle linee guida",
        "Il termine per inviare osservazioni è prorogato al 30 aprile 2026.",
        published="2026-03-01",
    )
    assert "delay" not in c.tags
    assert dates(c) == [("2026-04-30", "deadline")]


def test_it_a_fine_imposed_is_enforcement_but_a_fine_provided_for_is_not() -> None:
    c = classify_item(
        "Il Garante privacy sanziona una app di chatbot",
        "L'Autorità ha inflitto una sanzione da 5 milioni di euro e ha avviato una nuova istruttoria sull'IA.",
    )
    assert "enforcement-action" in c.tags
    c = classify_item(
        "La nuova legge sull'IA prevede multe fino a 35 milioni",
        "Le sanzioni potranno arrivare al 7% del fatturato per chi viola le regole sull'intelligenza artificiale.",
    )
    assert "enforcement-action" not in c.tags


# --- Spanish ---------------------------------------------------------------------


def test_es_relevance_needs_the_ai_angle() -> None:
    assert classify_item(
        "La AEPD abre una investigación a una app por su uso de reconocimiento facial",
        "La agencia analizará el tratamiento de datos biométricos.",
    ).relevant
    assert not classify_item(
        "La AEPD sanciona a un hospital por una brecha de datos",
        "La multa asciende a 500.000 euros por no proteger los historiales clínicos.",
    ).relevant
    assert not classify_item(
        "Una operadora lanza un nuevo asistente de IA para sus clientes",
        "La compañía espera aumentar sus ingresos con la nueva función.",
    ).relevant


def test_es_spanish_and_latin_american_authorities() -> None:
    cases = {
        "El Consejo de Ministros aprueba el anteproyecto de ley de inteligencia artificial": ["ES"],
        "La Cámara de Diputadas y Diputados debate la regulación de la inteligencia artificial": ["CL"],
        "El documento CONPES fija la política nacional de inteligencia artificial": ["CO"],
        "El Congreso de la Unión discute una ley de inteligencia artificial": ["MX"],
        "La Presidencia del Consejo de Ministros aprueba el reglamento de la ley de inteligencia artificial": ["PE"],
    }
    for title, expect in cases.items():
        assert classify_item(title, "").jurisdictions == expect, title


def test_es_a_senate_alone_names_no_country() -> None:
    c = classify_item("El Senado aprueba en general el proyecto que regula la inteligencia artificial", "")
    assert c.relevant
    assert c.jurisdictions == []


def test_es_eu_institutions_and_a_national_law_adapting_the_eu_act() -> None:
    c = classify_item(
        "La Comisión Europea publica directrices sobre los sistemas de IA prohibidos", "Bruselas aclara las prácticas vetadas."
    )
    assert c.jurisdictions == ["EU"]
    c = classify_item(
        "El Gobierno aprueba el anteproyecto para adaptar el Reglamento de IA",
        "El Consejo de Ministros envía el texto a las Cortes Generales.",
    )
    assert c.jurisdictions == ["ES"]


def test_es_final_passage_is_a_new_law() -> None:
    c = classify_item(
        "El Congreso aprueba definitivamente la ley de inteligencia artificial",
        "La norma se publicará en el Boletín Oficial del Estado.",
    )
    assert "new-law" in c.tags
    assert c.jurisdictions == ["ES"]


def test_es_general_approval_in_one_chamber_is_no_tag() -> None:
    c = classify_item(
        "La Cámara de Diputados aprueba en lo general la ley de inteligencia artificial",
        "La minuta pasa al Senado para su discusión.",
    )
    assert c.relevant
    assert not {"new-law", "draft"} & set(c.tags)


def test_es_an_adopted_royal_decree_is_a_new_decree() -> None:
    c = classify_item(
        "El Consejo de Ministros aprueba el Real Decreto que regula el entorno de pruebas de IA",
        "El texto desarrolla las obligaciones de los sistemas de inteligencia artificial.",
    )
    assert "new-decree" in c.tags


def test_es_a_bill_filed_is_a_draft() -> None:
    c = classify_item(
        "Senadores radican un proyecto de ley para regular los deepfakes",
        "La iniciativa castiga el uso de inteligencia artificial para suplantar identidades.",
    )
    assert "draft" in c.tags


def test_es_consultation_with_its_deadline() -> None:
    c = classify_item(
        "Se abre la consulta pública sobre el borrador de la estrategia de inteligencia artificial",
        "Los comentarios se recibirán hasta el 30 de junio de 2026.",
    )
    assert {"consultation", "draft"} <= set(c.tags)
    assert dates(c) == [("2026-06-30", "deadline")]


def test_es_published_guidelines_are_guidance_but_announced_ones_are_not() -> None:
    c = classify_item(
        "Nueva guía de la AEPD sobre el uso de IA en los procesos de selección",
        "La guía analiza las decisiones automatizadas en la contratación.",
    )
    assert "guidance" in c.tags
    c = classify_item("La AEPD publicará una guía sobre inteligencia artificial", "La agencia trabaja en el documento.")
    assert "guidance" not in c.tags


def test_es_an_amended_law_is_an_amendment() -> None:
    c = classify_item(
        "El Gobierno modifica la ley de protección de datos para las decisiones automatizadas",
        "La reforma afecta a los algoritmos usados por las empresas.",
    )
    assert "amendment" in c.tags


def test_es_entry_into_force_gives_the_effective_date() -> None:
    c = classify_item(
        "Perú: el reglamento de la ley de inteligencia artificial",
        "Las obligaciones serán aplicables a partir del 1 de enero de 2027.",
    )
    assert "enforcement-date" in c.tags
    assert dates(c) == [("2027-01-01", "effective")]


def test_es_the_date_that_names_an_act_is_no_date() -> None:
    c = classify_item(
        "La ley de inteligencia artificial modifica la Ley 5/2021",
        "La Ley 5/2021, de 12 de marzo, cambia con la nueva norma, que entra en vigor el 1 de octubre de 2026.",
    )
    assert dates(c) == [("2026-10-01", "effective")]


def test_es_postponement_keeps_only_the_new_date() -> None:
    c = classify_item(
        "El Gobierno aplaza las obligaciones de inteligencia artificial",
        "Las obligaciones se aplicarán a partir del 2 de agosto de 2027 en lugar del 2 de agosto de 2026.",
        published="2025-06-10",
    )
    assert "delay" in c.tags
    assert dates(c) == [("2027-08-02", "effective")]


def test_es_a_longer_comment_period_is_no_delay() -> None:
    c = classify_item(
        "Amplían el plazo de consulta pública del reglamento de IA",
        "El plazo de comentarios se prorroga hasta el 15 de mayo de 2026.",
    )
    assert "delay" not in c.tags
    assert dates(c) == [("2026-05-15", "deadline")]


def test_es_a_fine_imposed_is_enforcement_but_a_fine_provided_for_is_not() -> None:
    c = classify_item(
        "La AEPD multa a una empresa con 2 millones de euros por usar reconocimiento facial",
        "La agencia impuso la sanción tras una reclamación.",
    )
    assert "enforcement-action" in c.tags
    c = classify_item(
        "La ley de IA prevé multas de hasta 35 millones de euros",
        "Las sanciones podrán alcanzar el 7% de la facturación.",
    )
    assert "enforcement-action" not in c.tags
