"""The German, French and Portuguese cue lexicons (watcher/classify/lexicons/{de,fr,pt}.yaml),
one behaviour per test, on sentences written for these tests."""

from __future__ import annotations

from watcher.classify import Classification, classify_item


def dates(c: Classification) -> list[tuple[str, str]]:
    return [(d["date"], d["kind"]) for d in c.dates]


# --- German ------------------------------------------------------------------------


def test_de_relevance_needs_ai_and_rules() -> None:
    assert classify_item("Bundesnetzagentur veröffentlicht Leitfaden zur KI-Aufsicht", "").relevant
    assert not classify_item("Bundesnetzagentur: Bußgeld wegen unerlaubter Telefonwerbung",
                             "Die Behörde hat ein Bußgeld von 50.000 Euro verhängt.").relevant


def test_de_product_news_is_not_relevant() -> None:
    c = classify_item("Konzern stellt neues KI-Modell vor", "Das Unternehmen stellt ein neues Modell vor; die Aktie steigt.")
    assert not c.relevant


def test_de_national_authority_applying_the_ai_act_is_germany() -> None:
    c = classify_item("Bundesnetzagentur veröffentlicht Hinweise zur KI-Verordnung",
                      "Die Bundesnetzagentur erläutert die Pflichten der KI-Verordnung der EU.")
    assert c.jurisdictions == ["DE"]


def test_de_ai_act_alone_is_the_eu() -> None:
    c = classify_item("KI-Verordnung: Was Anbieter jetzt wissen müssen", "Die KI-Verordnung stellt Pflichten für Hochrisiko-KI auf.")
    assert c.jurisdictions == ["EU"]


def test_de_swiss_federal_council_is_switzerland() -> None:
    c = classify_item("Schweizer Bundesrat eröffnet Vernehmlassung zur KI-Regulierung",
                      "Der Bundesrat hat die Vernehmlassung zur Regulierung von künstlicher Intelligenz eröffnet.")
    assert c.jurisdictions == ["CH"]
    assert "consultation" in c.tags


def test_de_austrian_regulator() -> None:
    c = classify_item("RTR veröffentlicht Leitfaden zur KI-Kompetenz", "Die KI-Servicestelle der RTR hat einen Leitfaden veröffentlicht.")
    assert c.jurisdictions == ["AT"]
    assert c.tags == ["guidance"]


def test_de_bundestag_passes_law() -> None:
    c = classify_item("Bundestag verabschiedet KI-Marktüberwachungsgesetz",
                      "Der Bundestag hat das Gesetz zur Durchführung der KI-Verordnung verabschiedet.")
    assert c.jurisdictions == ["DE"]
    assert "new-law" in c.tags


def test_de_draft_and_consultation() -> None:
    c = classify_item("Ministerium legt Referentenentwurf zum KI-Gesetz vor",
                      "Verbände können bis Ende des Monats eine Stellungnahme zum Entwurf abgeben.")
    assert {"draft", "consultation"} <= set(c.tags)


def test_de_cabinet_decision_on_a_bill_is_a_draft() -> None:
    c = classify_item("Kabinett beschließt Gesetzentwurf zur KI-Aufsicht", "Die Bundesregierung hat den Entwurf am Mittwoch beschlossen.")
    assert "draft" in c.tags
    assert "new-law" not in c.tags


def test_de_fine_imposed_is_enforcement_but_a_ceiling_is_not() -> None:
    fined = classify_item("Datenschutzbehörde verhängt Bußgeld gegen KI-Anbieter",
                          "Die Behörde hat gegen einen Anbieter von Gesichtserkennung ein Bußgeld in Höhe von 500.000 Euro verhängt.")
    assert "enforcement-action" in fined.tags
    ceiling = classify_item("KI-Verordnung: Bußgelder bis zu 35 Millionen Euro",
                            "Bei Verstößen drohen Bußgelder von bis zu 35 Millionen Euro.")
    assert "enforcement-action" not in ceiling.tags


def test_de_postponement_by_a_proposal_is_delay_and_amendment() -> None:
    c = classify_item("EU-Kommission will Pflichten für Hochrisiko-KI verschieben",
                      "Die Europäische Kommission schlägt vor, die Anwendung der Vorschriften zu verschieben.")
    assert {"delay", "amendment"} <= set(c.tags)
    assert c.jurisdictions == ["EU"]


def test_de_guidance_and_amendment() -> None:
    assert "guidance" in classify_item("Datenschutzkonferenz veröffentlicht Orientierungshilfe zu KI", "").tags
    c = classify_item("Novelle des KI-Gesetzes", "Der Entwurf sieht eine Änderung des Gesetzes über künstliche Intelligenz vor.")
    assert "amendment" in c.tags


def test_de_entry_into_force_date() -> None:
    c = classify_item("Neue KI-Regeln", "Die Verordnung über künstliche Intelligenz tritt im Juli 2027 in Kraft.")
    assert "enforcement-date" in c.tags
    assert dates(c) == [("2027-07", "effective")]


def test_de_months_are_known() -> None:
    c = classify_item("KI-Gesetz gilt ab 1 März 2027", "Die Pflichten gelten ab 1 März 2027.")
    assert dates(c) == [("2027-03-01", "effective")]


# --- French ------------------------------------------------------------------------


def test_fr_relevance_and_jurisdiction() -> None:
    c = classify_item("La CNIL publie ses recommandations sur l'IA générative",
                      "La CNIL publie des recommandations pour les développeurs de systèmes d'IA.")
    assert c.relevant and c.jurisdictions == ["FR"] and c.tags == ["guidance"]


def test_fr_privacy_fine_without_ai_is_not_relevant() -> None:
    c = classify_item("La CNIL sanctionne un site pour ses cookies", "Une amende de 2 millions d'euros a été prononcée pour dépôt de cookies.")
    assert not c.relevant


def test_fr_article_un_is_not_the_united_nations() -> None:
    c = classify_item("Un décret encadre la vidéosurveillance algorithmique",
                      "Le décret n° 2026-100 autorise un traitement algorithmique des images.")
    assert c.jurisdictions == ["FR"]
    assert "new-decree" in c.tags


def test_fr_quebec_and_belgium() -> None:
    assert classify_item("La Commission d'accès à l'information publie un guide sur l'IA", "").jurisdictions == ["CA-QC"]
    assert classify_item("L'Autorité belge de protection des données publie des recommandations sur l'IA", "").jurisdictions == ["BE"]


def test_fr_final_adoption_is_new_law_and_first_reading_is_no_tag() -> None:
    final = classify_item("Le Parlement adopte définitivement la loi sur l'IA", "Le texte a été définitivement adopté par l'Assemblée nationale.")
    assert "new-law" in final.tags
    first = classify_item("Le Sénat adopte en première lecture la proposition de loi sur les hypertrucages",
                          "Les sénateurs ont adopté en première lecture le texte sur l'intelligence artificielle.")
    assert not {"new-law", "draft"} & set(first.tags)


def test_fr_consultation_on_a_draft_with_deadline() -> None:
    c = classify_item("L'Arcom ouvre une consultation publique sur l'IA",
                      "L'Arcom soumet à consultation publique son projet de recommandation sur l'IA. "
                      "Les contributions peuvent être envoyées jusqu'au 15 mai 2026.")
    assert {"consultation", "draft"} <= set(c.tags)
    assert "guidance" not in c.tags
    assert dates(c) == [("2026-05-15", "deadline")]


def test_fr_sanction_imposed_is_enforcement_action() -> None:
    c = classify_item("La CNIL inflige une amende à une société de reconnaissance faciale",
                      "La formation restreinte a prononcé une sanction de 5 millions d'euros.")
    assert "enforcement-action" in c.tags
    law = classify_item("Loi sur l'IA : des amendes jusqu'à 30 millions d'euros",
                        "Les manquements peuvent être sanctionnés par une amende de 30 millions d'euros au maximum.")
    assert "enforcement-action" not in law.tags


def test_fr_postponement_keeps_only_the_new_date() -> None:
    c = classify_item("Règlement sur l'IA : l'UE reporte les règles sur l'IA à haut risque",
                      "La Commission européenne propose de reporter l'application des obligations à décembre 2027 au lieu d'août 2026.",
                      published="2025-11-19")
    assert {"delay", "amendment"} <= set(c.tags)
    assert dates(c) == [("2027-12", "effective")]
    assert c.jurisdictions == ["EU"]


def test_fr_entry_into_force() -> None:
    c = classify_item("Le décret sur l'IA est publié", "Le décret relatif aux algorithmes entrera en vigueur le 15 avril 2026.")
    assert "enforcement-date" in c.tags
    assert dates(c) == [("2026-04-15", "effective")]


def test_fr_english_report_is_no_delay() -> None:
    c = classify_item("Agency publishes report on AI rules", "The report reviews the AI Act guidance.")
    assert "delay" not in c.tags


# --- Portuguese --------------------------------------------------------------------


def test_pt_relevance_and_adoption() -> None:
    assert classify_item("ANPD publica guia sobre inteligência artificial", "").relevant
    assert not classify_item("Bancos usam assistentes virtuais baseados em IA", "Os chatbots atendem clientes.").relevant


def test_pt_brazil_and_portugal_authorities() -> None:
    assert classify_item("TSE aprova resolução que proíbe deepfakes nas eleições", "").jurisdictions == ["BR"]
    assert classify_item("ANACOM vai supervisionar a inteligência artificial", "").jurisdictions == ["PT"]


def test_pt_national_authority_under_the_eu_act_is_national() -> None:
    c = classify_item("CNPD publica orientações sobre inteligência artificial",
                      "A CNPD publicou orientações sobre a aplicação do regulamento europeu de IA nas escolas.")
    assert c.jurisdictions == ["PT"]
    assert c.tags == ["guidance"]


def test_pt_resolution_is_new_decree() -> None:
    c = classify_item("TSE aprova resolução sobre inteligência artificial nas eleições",
                      "O tribunal aprovou uma resolução que proíbe deepfakes.")
    assert "new-decree" in c.tags


def test_pt_sanction_of_a_law_is_new_law_and_committee_vote_is_no_tag() -> None:
    law = classify_item("Presidente sanciona lei que regula a inteligência artificial", "A lei foi sancionada nesta terça-feira.")
    assert "new-law" in law.tags and "enforcement-action" not in law.tags
    vote = classify_item("Comissão do Senado aprova projeto de lei sobre inteligência artificial",
                         "A comissão aprovou o texto, que segue para o plenário.")
    assert not {"new-law", "draft"} & set(vote.tags)


def test_pt_consultation_with_deadline() -> None:
    c = classify_item("ANPD abre consulta pública sobre inteligência artificial",
                      "A minuta de regulamento está em consulta pública; as contribuições podem ser enviadas até 30 setembro 2026.")
    assert {"consultation", "draft"} <= set(c.tags)
    assert dates(c) == [("2026-09-30", "deadline")]


def test_pt_fine_imposed_but_not_a_fine_faced() -> None:
    fined = classify_item("ANPD aplica multa a empresa por uso de IA", "A ANPD aplicou multa de R$ 2 milhões por tratamento automatizado.")
    assert "enforcement-action" in fined.tags
    faced = classify_item("Lei de IA prevê multas", "As empresas estão sujeitas a multa de até R$ 50 milhões por decisões automatizadas.")
    assert "enforcement-action" not in faced.tags


def test_pt_postponement_and_amendment() -> None:
    c = classify_item("Governo propõe adiar regras de inteligência artificial",
                      "O projeto de lei adia a entrada em vigor das regras de IA por um ano.")
    assert {"delay", "amendment"} <= set(c.tags)


def test_pt_guidance_and_amendment() -> None:
    assert "guidance" in classify_item("CNPD publica orientações sobre IA", "").tags
    c = classify_item("CNJ atualiza resolução sobre inteligência artificial", "O plenário atualizou a Resolução CNJ nº 332/2020.")
    assert "amendment" in c.tags
